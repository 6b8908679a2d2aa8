import { describe, expect, it } from "vitest";
import { uniquePhone } from "../../auth/helpers";
import { api } from "../../helpers/http";
import { authed, chatableSocket, type Envelope, registerChatable } from "./helpers";

const uniq = () => `u${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

describe("chatable REST (the seed's examples)", () => {
	it("register answers the seed's envelope with a token; auth_token gives a new one; DELETE signs out", async () => {
		const name = uniq();
		const res = await api("/compat/chatable/api/register", {
			method: "POST",
			json: {
				first_name: "Bob",
				last_name: "Bobson",
				username: name,
				password: "correct horse battery",
				email: `${name}@example.com`,
				phone: "+14155552671",
			},
		});
		expect(res.status).toBe(200);
		const body = (await res.json()) as Envelope;
		expect(body).toMatchObject({
			status: "success",
			error: { code: 200, errors: null, message: "" },
			page: 1,
			per_page: 10,
			current_page: 1,
		});
		expect(body.data[0]).toMatchObject({
			email: `${name}@example.com`,
			first_name: "Bob",
			last_name: "Bobson",
			phone_number: "+14155552671",
			username: name,
			token: { is_refreshable: true },
		});
		const token = body.data[0]?.token as Record<string, unknown>;
		for (const k of [
			"access_key_id",
			"secret_access_key",
			"refresh_token",
			"created_at",
			"expires_at",
			"modified_at",
		])
			expect(typeof token[k]).toBe("string");

		// Same username, email or phone again: the seed's error envelope.
		const again = await api("/compat/chatable/api/register", {
			method: "POST",
			json: {
				first_name: "B",
				last_name: "B",
				username: name,
				password: "correct horse battery",
				email: "x@example.com",
				phone: "+14155552672",
			},
		});
		expect(again.status).toBe(400);
		expect(await again.json()).toMatchObject({
			status: "fail",
			data: [],
			error: { code: 400, errors: { error: "Some fileds are not unique" }, message: "User error" },
			current_page: 0,
		});

		const login = await api("/compat/chatable/api/auth_token", {
			method: "POST",
			json: { username: name, password: "correct horse battery" },
		});
		expect(login.status).toBe(200);
		const t2 = ((await login.json()) as Envelope).data[0] as {
			access_key_id: string;
			secret_access_key: string;
			refresh_token: string;
		};
		expect((await authed("/api/inbox", t2)).status).toBe(200);
		expect((await authed("/api/auth_token", t2, { method: "DELETE" })).status).toBe(200);
		const after = await authed("/api/inbox", t2);
		expect(after.status).toBe(401);
		expect(((await after.json()) as Envelope).status).toBe("fail");
	});

	it("bad input and intruders: missing params 400, wrong password 401, no or forged JWT 401", async () => {
		const res = await api("/compat/chatable/api/register", { method: "POST", json: { username: "x" } });
		expect(res.status).toBe(400);
		expect(((await res.json()) as Envelope).status).toBe("fail");
		const me = await registerChatable(uniq(), uniquePhone());
		const wrong = await api("/compat/chatable/api/auth_token", {
			method: "POST",
			json: { username: me.username, password: "nope nope nope" },
		});
		expect(wrong.status).toBe(401);
		expect((await api("/compat/chatable/api/inbox")).status).toBe(401);
		const forged = { ...me.token, secret_access_key: "AAAA" };
		expect((await authed("/api/inbox", forged)).status).toBe(401);
	});

	it("/api/ws direct messages; inbox and thread show them as the seed prints", async () => {
		const bob = await registerChatable(uniq(), uniquePhone());
		const alice = await registerChatable(uniq(), uniquePhone());
		const sb = await chatableSocket(bob.token);
		const sa = await chatableSocket(alice.token);
		sb.send({ author: bob.username, recipient: alice.username, message: "hello" });
		const got = await sa.waitFor((p) => p.message === "hello");
		expect(got).toMatchObject({
			author: bob.username,
			recipient: alice.username,
			message: "hello",
			message_type: 0,
		});
		expect(typeof got.created_at).toBe("string");
		sa.send({ author: alice.username, recipient: bob.username, message: "Hi bob" });
		await sb.waitFor((p) => p.message === "Hi bob");

		const inbox = (await (await authed("/api/inbox", alice.token)).json()) as Envelope;
		expect(inbox.data).toEqual([
			{ author_username: alice.username, created_at: expect.any(String), latest_message: "Hi bob" },
		]);
		const thread = (await (await authed(`/api/thread/${bob.username}`, alice.token)).json()) as Envelope;
		expect(thread.data).toEqual([
			{
				author: alice.username,
				created_at: expect.any(String),
				message: "Hi bob",
				message_type: 0,
				recipient: bob.username,
			},
			{
				author: bob.username,
				created_at: expect.any(String),
				message: "hello",
				message_type: 0,
				recipient: alice.username,
			},
		]);

		// Bad packets: the fail envelope, nothing sent.
		sa.send("{nope");
		expect((await sa.waitFor((p) => p.status === "fail")).error).toMatchObject({ code: 400 });
		sa.send({ author: bob.username, recipient: bob.username, message: "spoof" });
		await sa.waitFor((p) => p.status === "fail" && (p.error as { code: number }).code === 403);
		const after = (await (await authed(`/api/thread/${bob.username}`, alice.token)).json()) as Envelope;
		expect(after.data).toHaveLength(2);
		sa.ws.close();
		sb.ws.close();
	});
});

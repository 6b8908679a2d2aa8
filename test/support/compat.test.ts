import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { users } from "../../src/db/schema";
import { hashPassword } from "../../src/domain/auth/password";
import type { Role } from "../../src/env";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { act, SeedClient, supportSocket, until } from "./helpers";

/**
 * The support seed (001) through /compat/support, with the document's own
 * requests and responses. Numbers the server chooses (`created`, the token)
 * are checked for type; everything else must equal the document.
 */

let n = 0;
/** A seed user: a Hatch account with a username and password. */
async function seedUser(displayName: string, role: Role = "user") {
	const username = `user${Date.now().toString(36)}${++n}`;
	const u = await createTestUser({ displayName, role, username });
	await createDb(env.DB)
		.update(users)
		.set({ passwordHash: await hashPassword("password1") })
		.where(eq(users.id, u.id));
	return { ...u, username };
}

/** Seed §5: POST /v1/auth/ → the token. */
async function seedLogin(user_name: string, password = "password1") {
	const res = await api("/compat/support/v1/auth/", { method: "POST", json: { user_name, password } });
	expect(res.status).toBe(200);
	const body = (await res.json()) as { error: null; result: { token: string }; id: number };
	expect(body).toEqual({ error: null, result: { token: expect.any(String) }, id: expect.any(Number) });
	return body.result.token;
}

/** Seed §1: connect and authenticate; returns the client and the history reply. */
async function seedConnect(token: string) {
	const ws = await SeedClient.connect();
	const reply = await ws.call({ method: "message.auth", params: [token], id: 1 });
	return { ws, reply };
}

const INCORRECT = { error: { code: 1, message: "Incorrect argument." }, result: null, id: 1 };

describe("support seed protocol (/compat/support)", () => {
	it("§5 POST /v1/auth/: 200 with the token, an empty 403 for wrong credentials, an empty 404 otherwise", async () => {
		const u = await seedUser("user1");
		await seedLogin(u.username);
		const noSlash = await api("/compat/support/v1/auth", {
			method: "POST",
			json: { user_name: u.username, password: "password1" },
		});
		expect(noSlash.status).toBe(200);
		const wrong = await api("/compat/support/v1/auth/", {
			method: "POST",
			json: { user_name: u.username, password: "password2" },
		});
		expect(wrong.status).toBe(403);
		expect(await wrong.text()).toBe("");
		const unknown = await api("/compat/support/v1/auth/", {
			method: "POST",
			json: { user_name: "nobody-at-all", password: "password1" },
		});
		expect(unknown.status).toBe(403);
		for (const body of ['{"user_name": "user1"}', "not json", '{"user_name": 1, "password": "x"}', "[]"]) {
			const res = await api("/compat/support/v1/auth/", {
				method: "POST",
				headers: { "Content-Type": "application/json" },
				body,
			});
			expect(res.status).toBe(404);
			expect(await res.text()).toBe("");
		}
	});

	it("§1-§2: auth answers messages: null, then message.send is stored and answered as the document prints", async () => {
		const u = await seedUser("Client");
		const { ws, reply } = await seedConnect(await seedLogin(u.username));
		expect(reply).toEqual({ error: null, result: { messages: null }, id: 1 });
		const sent = await ws.call({ method: "message.send", params: ["Message from Client"], id: 3 });
		expect(sent).toEqual({
			error: null,
			result: {
				message: {
					message_id: 1,
					message_text: "Message from Client",
					invader_name: "",
					is_from_support: false,
					created: expect.any(Number),
				},
			},
			id: 3,
		});
		const created = (sent.result as { message: { created: number } }).message.created;
		expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(60);
		ws.ws.close();
	});

	it("§2.1.1 / §4.1.1: params of the wrong type answer Incorrect argument. and store nothing", async () => {
		const u = await seedUser("Client");
		const { ws } = await seedConnect(await seedLogin(u.username));
		for (const params of [[1], [], "message", [null], ["a", "b"], [""], { 0: "x" }]) {
			expect(await ws.call({ method: "message.send", params, id: 1 })).toEqual(INCORRECT);
		}
		const op = await seedUser("Operator1", "operator");
		const { ws: ows } = await seedConnect(await seedLogin(op.username));
		for (const params of [[1], [], "message", [true], ["a", "b"], ["a", -1]]) {
			expect(await ows.call({ method: "message.operatorSend", params, id: 1 })).toEqual(INCORRECT);
		}
		const history = await api("/v1/support/conversation", { headers: u.auth });
		expect(((await history.json()) as { messages: unknown[] }).messages).toEqual([]);
		ws.ws.close();
		ows.ws.close();
	});

	it("§1.1.1: an unknown or missing token, or a request before auth, closes the connection", async () => {
		for (const first of [
			{ method: "message.auth", params: ["QWERTYUIOP"], id: 1 },
			{ method: "message.auth", params: [], id: 1 },
			{ method: "message.auth", id: 1 },
			{ method: "message.send", params: ["message"], id: 1 },
		]) {
			const ws = await SeedClient.connect();
			ws.send(first);
			expect(await ws.waitClosed()).toMatchObject({ code: 1008 });
			expect(ws.frames).toEqual([]);
		}
	});

	it("a socket that never sends message.auth is closed when its 30 s window ends", async () => {
		const idle = await SeedClient.connect();
		const desk = env.SUPPORT_DESK.get(env.SUPPORT_DESK.idFromName("main"));
		// Age the socket instead of waiting: its window started long ago.
		await runInDurableObject(desk, (_instance, state) => {
			for (const ws of state.getWebSockets()) {
				const a = ws.deserializeAttachment() as { proto: string; user: unknown; opened_at: number };
				if (a.proto === "seed" && !a.user) ws.serializeAttachment({ ...a, opened_at: 0 });
			}
		});
		expect(await runDurableObjectAlarm(desk)).toBe(true);
		expect(await idle.waitClosed()).toMatchObject({ code: 1008 });
	});

	it("§3-§4 and §1.2.1: operator and client talk; pushes and the history on reconnect are the document's", async () => {
		const client = await seedUser("Client");
		const op = await seedUser("Operator1", "operator");
		const { ws: cws } = await seedConnect(await seedLogin(client.username));
		const { ws: ows } = await seedConnect(await seedLogin(op.username));
		// Nothing taken yet: the operator must say which customer, or take one first.
		const none = await ows.call({ method: "message.operatorSend", params: ["hello"], id: 7 });
		expect(none).toMatchObject({ error: { code: 3 }, result: null, id: 7 });
		await cws.call({ method: "message.send", params: ["Message from Client"], id: 10 });
		// Seed operators hear customers waiting in the queue, with the customer's numeric user_id.
		const heard = await ows.waitFor(
			(f) =>
				(f.result as { message?: { message_text?: string } })?.message?.message_text ===
				"Message from Client",
		);
		const userId = (heard.result as { message: { user_id: number } }).message.user_id;
		expect(userId).toEqual(expect.any(Number));
		const answered = await ows.call({
			method: "message.operatorSend",
			params: ["Message from Operator", userId],
			id: 4,
		});
		expect(answered).toEqual({
			error: null,
			result: {
				message: {
					message_id: 2,
					message_text: "Message from Operator",
					invader_name: "Operator1",
					is_from_support: true,
					created: expect.any(Number),
				},
			},
			id: 4,
		});
		// §3.1: pushed to the client, `id` being the message's.
		const pushed = await cws.waitFor((f) => f.id === 2);
		expect(pushed).toEqual({
			error: null,
			result: {
				message: {
					message_id: 2,
					message_text: "Message from Operator",
					invader_name: "Operator1",
					is_from_support: true,
					created: expect.any(Number),
				},
			},
			id: 2,
		});
		// Now the operator holds it: the document's one-argument operatorSend works.
		const short = await ows.call({ method: "message.operatorSend", params: ["message"], id: 1 });
		expect(short).toMatchObject({ error: null, result: { message: { message_id: 3 } }, id: 1 });
		cws.ws.close();
		const { reply } = await seedConnect(await seedLogin(client.username));
		expect(reply).toEqual({
			error: null,
			result: {
				messages: [
					{
						message_id: 1,
						message_text: "Message from Client",
						invader_name: "",
						is_from_support: false,
						created: expect.any(Number),
					},
					{
						message_id: 2,
						message_text: "Message from Operator",
						invader_name: "Operator1",
						is_from_support: true,
						created: expect.any(Number),
					},
					{
						message_id: 3,
						message_text: "message",
						invader_name: "Operator1",
						is_from_support: true,
						created: expect.any(Number),
					},
				],
			},
			id: 1,
		});
		ows.ws.close();
	});

	it("a client may not use message.operatorSend; unknown methods and bad JSON get JSON-RPC errors", async () => {
		const u = await seedUser("Client");
		const { ws } = await seedConnect(await seedLogin(u.username));
		expect(await ws.call({ method: "message.operatorSend", params: ["hi"], id: 5 })).toEqual({
			error: { code: 2, message: "Access denied." },
			result: null,
			id: 5,
		});
		expect(await ws.call({ method: "message.nope", params: [], id: 6 })).toEqual({
			error: { code: -32601, message: "Method not found." },
			result: null,
			id: 6,
		});
		expect(await ws.call("{oops")).toEqual({
			error: { code: -32700, message: "Parse error." },
			result: null,
			id: null,
		});
		ws.ws.close();
	});

	it("cross-protocol: a seed client and a native operator socket talk to each other", async () => {
		const client = await seedUser("Seed Sam");
		const op = await createTestUser({ displayName: "Native Nora", role: "operator" });
		const os = await supportSocket(op);
		const { ws } = await seedConnect(await seedLogin(client.username));
		const sent = await ws.call({ method: "message.send", params: ["from the seed"], id: 1 });
		expect(sent.error).toBeNull();
		const seen = await os.waitFor(
			(f) => f.type === "support.message" && (f.message as { text: string }).text === "from the seed",
		);
		const id = seen.conversation_id as string;
		expect((await act(op, id, "take")).status).toBe(200);
		await os.request({ type: "support.reply", conversation_id: id, text: "from native" });
		const pushed = await ws.waitFor(
			(f) => (f.result as { message?: { message_text?: string } })?.message?.message_text === "from native",
		);
		expect(pushed.result).toEqual({
			message: {
				message_id: 2,
				message_text: "from native",
				invader_name: "Native Nora",
				is_from_support: true,
				created: expect.any(Number),
			},
		});
		os.close();
		ws.ws.close();
	});

	it("logging out closes that session's support sockets, seed and native alike", async () => {
		const u = await seedUser("Leaving");
		const token = await seedLogin(u.username);
		const { ws } = await seedConnect(token);
		const auth = { Authorization: `Bearer ${token}` };
		const native = await supportSocket({ ...u, token, auth });
		const other = await seedConnect(await seedLogin(u.username));
		const out = await api("/v1/auth/logout", { method: "POST", headers: auth });
		expect(out.status).toBe(204);
		expect(await ws.waitClosed()).toMatchObject({ code: 4401 });
		await until(() => native.closed !== null);
		expect(native.closed?.code).toBe(4401);
		// Another session of the same user stays open and working.
		expect(await other.ws.call({ method: "message.send", params: ["still here"], id: 9 })).toMatchObject({
			error: null,
			id: 9,
		});
		other.ws.ws.close();
	});
});

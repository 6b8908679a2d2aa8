import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "../../../src/db/client";
import { hashPassword } from "../../../src/domain/auth/password";
import { setDialerForTests } from "../../../src/domain/dialer";
import { createUser, setRole } from "../../../src/domain/users/users";
import { FakeDialer, makeList, toneWav } from "../../campaigns/helpers";
import { api } from "../../helpers/http";

const ip = () => ({ "CF-Connecting-IP": `192.0.2.${Math.floor(Math.random() * 250)}` });

async function account(login: string, role: "user" | "admin" = "user") {
	const db = createDb(env.DB);
	const u = await createUser(db, {
		username: login,
		passwordHash: await hashPassword("correct horse battery"),
		displayName: login,
	});
	if (role === "admin") await setRole(db, u.id, role);
	return u;
}

async function login(login: string) {
	const res = await api("/compat/dialer/srv1/auth/login", {
		method: "POST",
		headers: ip(),
		json: { login, password: "correct horse battery" },
	});
	expect(res.status).toBe(200);
	return (await res.json()) as { acc_token: string; expired: number; uid: string };
}

describe("dialer seed /srv1", () => {
	it("auth/login: the seed's JSON login and the OAuth 2.0 password form; wrong pair 401, missing fields 400", async () => {
		const name = `op${Date.now().toString(36)}`;
		const u = await account(name);
		const t = await login(name);
		expect(t.uid).toBe(u.id);
		expect(t.expired).toBeGreaterThan(Date.now() / 1000);
		const form = await api("/compat/dialer/srv1/auth/login", {
			method: "POST",
			headers: { ...ip(), "Content-Type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({
				grant_type: "password",
				username: name,
				password: "correct horse battery",
			}),
		});
		expect(form.status).toBe(200);
		expect(await form.json()).toMatchObject({ token_type: "bearer", expires_in: 1800 });
		const wrong = await api("/compat/dialer/srv1/auth/login", {
			method: "POST",
			headers: ip(),
			json: { login: name, password: "nope" },
		});
		expect(wrong.status).toBe(401);
		expect(
			(await api("/compat/dialer/srv1/auth/login", { method: "POST", headers: ip(), json: { login: name } }))
				.status,
		).toBe(400);
	});

	it("abon/all: the caller's contact lists as Callbase rows, behind the bearer token", async () => {
		const name = `ab${Date.now().toString(36)}`;
		const u = await account(name);
		const t = await login(name);
		const auth = { Authorization: `Bearer ${t.acc_token}` };
		await makeList({ id: u.id, token: t.acc_token, email: "", sessionId: "", auth }, [
			"+14155552671",
			"+14155552672",
		]);
		const res = await api("/compat/dialer/srv1/abon/all", { headers: auth });
		expect(res.status).toBe(200);
		const { abons } = (await res.json()) as { abons: { number: string }[] };
		expect(abons.map((a) => a.number).sort()).toEqual(["+14155552671", "+14155552672"]);
		expect((await api("/compat/dialer/srv1/abon/all")).status).toBe(401);
	});

	it("admin/adduser: administrators only; 201, then 409 for a taken login; the new user can log in", async () => {
		const admin = `ad${Date.now().toString(36)}`;
		await account(admin, "admin");
		const t = await login(admin);
		const body = {
			name: "Operator",
			login: `new${Date.now().toString(36)}`,
			password: "correct horse battery",
			comment: "x",
		};
		const res = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			headers: { Authorization: `Bearer ${t.acc_token}` },
			json: body,
		});
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ name: "Operator", login: body.login });
		const again = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			headers: { Authorization: `Bearer ${t.acc_token}` },
			json: body,
		});
		expect(again.status).toBe(409);
		const plain = await login(body.login);
		const refused = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			headers: { Authorization: `Bearer ${plain.acc_token}` },
			json: { ...body, login: "other1" },
		});
		expect(refused.status).toBe(403);
	});

	it("gateway, sound and call/sample: the seed's telephony settings on Hatch's trunks and sounds", async () => {
		const dialer = new FakeDialer();
		setDialerForTests(dialer);
		const name = `gw${Date.now().toString(36)}`;
		await account(name);
		const t = await login(name);
		const auth = { Authorization: `Bearer ${t.acc_token}` };
		const gw = await api("/compat/dialer/srv1/gateway", {
			method: "POST",
			headers: auth,
			json: { host: "127.0.0.1", port: 5070, username: "acme", password: "s3cret-pass" },
		});
		expect(gw.status).toBe(201);
		const gateway = (await gw.json()) as { id: string; has_password: boolean; password?: string };
		expect(gateway.has_password).toBe(true);
		expect(gateway.password).toBeUndefined();
		const listed = (await (await api("/compat/dialer/srv1/gateway", { headers: auth })).json()) as {
			gateways: unknown[];
		};
		expect(listed.gateways).toHaveLength(1);
		const bad = await api("/compat/dialer/srv1/gateway", {
			method: "POST",
			headers: auth,
			json: { port: 1 },
		});
		expect(bad.status).toBe(400);

		const up = await api("/compat/dialer/srv1/sound", {
			method: "POST",
			headers: { ...auth, "Content-Type": "audio/wav" },
			body: toneWav(1),
		});
		expect(up.status).toBe(201);
		const sound = (await up.json()) as { id: string };
		const call = await api("/compat/dialer/srv1/call/sample", {
			method: "POST",
			headers: auth,
			json: { number: "+14155550100", sound_id: sound.id },
		});
		expect(call.status).toBe(202);
		expect(dialer.calls[0]).toMatchObject({
			to: "+14155550100",
			trunk: { host: "127.0.0.1", username: "acme" },
		});
		expect((await api("/compat/dialer/srv1/call/sample", { method: "POST", json: {} })).status).toBe(401);
	});
});

afterEach(() => setDialerForTests(null));

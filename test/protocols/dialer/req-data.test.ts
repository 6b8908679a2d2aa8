/**
 * The dialer seed's `req_data` wrapping (seeds/002: authorised resources send
 * and receive a JWT in the key `req_data`, signed with the key client and
 * server share; the access token stays in the header), built from the seed's
 * resources and its Users/Callbase fields.
 */
import { env } from "cloudflare:test";
import { jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createDb } from "../../../src/db/client";
import { hashPassword } from "../../../src/domain/auth/password";
import { createUser, setRole } from "../../../src/domain/users/users";
import { makeList } from "../../campaigns/helpers";
import { api } from "../../helpers/http";

const KEY = new TextEncoder().encode(env.DIALER_SEED_JWT_KEY);
const ip = () => ({ "CF-Connecting-IP": `198.51.100.${Math.floor(Math.random() * 250)}` });
const sign = (claims: Record<string, unknown>, key = KEY) =>
	new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(key);

/** The seed client's side: the answer's req_data, verified with the shared key. */
async function opened(res: Response) {
	const body = (await res.json()) as { req_data: string };
	expect(Object.keys(body)).toEqual(["req_data"]);
	const { payload } = await jwtVerify(body.req_data, KEY, { algorithms: ["HS256"] });
	return payload as Record<string, unknown>;
}

async function signedIn(role: "user" | "admin" = "user") {
	const db = createDb(env.DB);
	const login = `rq${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
	const u = await createUser(db, {
		username: login,
		passwordHash: await hashPassword("correct horse battery"),
		displayName: login,
	});
	if (role === "admin") await setRole(db, u.id, role);
	const res = await api("/compat/dialer/srv1/auth/login", {
		method: "POST",
		headers: ip(),
		json: { login, password: "correct horse battery" },
	});
	const t = (await res.json()) as { acc_token: string };
	return { id: u.id, token: t.acc_token, auth: { Authorization: `Bearer ${t.acc_token}` } };
}

describe("dialer seed req_data", () => {
	it("admin/adduser: a req_data request gets a req_data answer (201, then 409 wrapped); the new user logs in", async () => {
		const admin = await signedIn("admin");
		const user = {
			name: "Иван",
			login: `iv${Date.now().toString(36)}`,
			password: "correct horse battery",
			comment: "оператор",
		};
		const res = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			headers: admin.auth,
			json: { req_data: await sign(user) },
		});
		expect(res.status).toBe(201);
		const answer = await opened(res);
		expect(answer).toMatchObject({ name: "Иван", login: user.login, comment: "оператор" });
		expect(typeof answer.uid).toBe("string");
		const again = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			headers: admin.auth,
			json: { req_data: await sign(user) },
		});
		expect(again.status).toBe(409);
		expect(await opened(again)).toMatchObject({ error: { code: "LOGIN_TAKEN" } });
		const login = await api("/compat/dialer/srv1/auth/login", {
			method: "POST",
			headers: ip(),
			json: { login: user.login, password: user.password },
		});
		expect(login.status).toBe(200);
	});

	it("abon/all over GET ?req_data=: the Callbase rows wrapped", async () => {
		const me = await signedIn();
		await makeList({ id: me.id, token: me.token, email: "", sessionId: "", auth: me.auth }, ["+14155550142"]);
		const res = await api(`/compat/dialer/srv1/abon/all?req_data=${await sign({})}`, { headers: me.auth });
		expect(res.status).toBe(200);
		const answer = await opened(res);
		expect((answer.abons as { number: string }[]).map((a) => a.number)).toEqual(["+14155550142"]);
		expect(answer.iat).toEqual(expect.any(Number));
		// Plain requests keep plain answers.
		expect(await (await api("/compat/dialer/srv1/abon/all", { headers: me.auth })).json()).toHaveProperty(
			"abons",
		);
	});

	it("bad req_data: another key, not a string, garbage → 400 INVALID_REQ_DATA (plain); no token → 401 wrapped; nothing stored", async () => {
		const admin = await signedIn("admin");
		const login = `bd${Date.now().toString(36)}`;
		const fields = { name: "B", login, password: "correct horse battery" };
		for (const req_data of [
			await sign(fields, new TextEncoder().encode("another key")),
			42,
			"not.a.jwt",
			"",
		]) {
			const res = await api("/compat/dialer/srv1/admin/adduser", {
				method: "POST",
				headers: admin.auth,
				json: { req_data },
			});
			expect(res.status, String(req_data)).toBe(400);
			expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_REQ_DATA");
		}
		const bad = await api(`/compat/dialer/srv1/abon/all?req_data=nope`, { headers: admin.auth });
		expect(bad.status).toBe(400);
		// Well wrapped but invalid fields: the seed's 400, wrapped.
		const invalid = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			headers: admin.auth,
			json: { req_data: await sign({ name: "B", login: "x y", password: "p" }) },
		});
		expect(invalid.status).toBe(400);
		expect(await opened(invalid)).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
		const anonymous = await api("/compat/dialer/srv1/admin/adduser", {
			method: "POST",
			json: { req_data: await sign(fields) },
		});
		expect(anonymous.status).toBe(401);
		expect(await opened(anonymous)).toMatchObject({ error: { code: expect.stringMatching(/^[A-Z_]+$/) } });
		const taken = await api("/compat/dialer/srv1/auth/login", {
			method: "POST",
			headers: ip(),
			json: { login, password: "correct horse battery" },
		});
		expect(taken.status).toBe(401);
	});
});

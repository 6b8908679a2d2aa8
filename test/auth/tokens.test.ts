import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { signAccessToken } from "../../src/domain/auth/access-token";
import { newId, sha256Hex, toBase64Url } from "../../src/lib/ids";
import { api, errorCode } from "../helpers/http";
import { freshIp, registerUser, type Tokens } from "./helpers";

const refresh = (refresh_token: unknown) =>
	api("/v1/auth/refresh", { method: "POST", headers: freshIp(), json: { refresh_token } });
const meWith = (token: string) => api("/v1/me", { headers: { Authorization: `Bearer ${token}` } });

describe("POST /v1/auth/refresh", () => {
	it("rotates: a new pair in the same session, the old refresh token dead", async () => {
		const user = await registerUser();
		const res = await refresh(user.refresh_token);
		expect(res.status).toBe(200);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		const next = (await res.json()) as Tokens;
		expect(next.session_id).toBe(user.session_id);
		expect(next.refresh_token).not.toBe(user.refresh_token);
		expect((await meWith(next.access_token)).status).toBe(200);
		const stored = await env.DB.prepare("select token_hash from refresh_tokens where token_hash = ?")
			.bind(await sha256Hex(next.refresh_token))
			.first();
		expect(stored).not.toBeNull(); // only the hash is kept
		const raw = await env.DB.prepare("select count(*) as n from refresh_tokens where token_hash = ?")
			.bind(next.refresh_token)
			.first<{ n: number }>();
		expect(raw?.n).toBe(0);
	});

	it("reuse of a rotated token revokes the whole family (thief and victim both out)", async () => {
		const user = await registerUser();
		const stolen = user.refresh_token;
		const victim = (await (await refresh(stolen)).json()) as Tokens;
		const replay = await refresh(stolen);
		expect(replay.status).toBe(401);
		expect(await errorCode(replay)).toBe("REFRESH_TOKEN_REUSED");
		// The newest token of the family is dead too, and so is its access token.
		const after = await refresh(victim.refresh_token);
		expect(after.status).toBe(401);
		expect(await errorCode(after)).toBe("INVALID_REFRESH_TOKEN");
		expect((await meWith(victim.access_token)).status).toBe(401);
		const row = await env.DB.prepare("select revoke_reason from sessions where id = ?")
			.bind(user.session_id)
			.first<{ revoke_reason: string }>();
		expect(row?.revoke_reason).toBe("refresh_token_reuse");
	});

	it("does not touch the user's other sessions when one family is revoked", async () => {
		const user = await registerUser();
		const other = (await (
			await api("/v1/auth/login", {
				method: "POST",
				headers: freshIp(),
				json: { email: user.email, password: user.password },
			})
		).json()) as Tokens;
		await refresh(user.refresh_token);
		await refresh(user.refresh_token); // reuse: family 1 revoked
		expect((await refresh(other.refresh_token)).status).toBe(200);
	});

	it("ends 14 days after sign-in however often it rotates", async () => {
		const user = await registerUser();
		await env.DB.prepare("update sessions set expires_at = ? where id = ?")
			.bind(Date.now() - 1, user.session_id)
			.run();
		const res = await refresh(user.refresh_token);
		expect(res.status).toBe(401);
		expect(await errorCode(res)).toBe("INVALID_REFRESH_TOKEN");
		expect((await meWith(user.access_token)).status).toBe(401);
	});

	it("refuses unknown and malformed refresh tokens", async () => {
		const unknown = await refresh("A".repeat(43));
		expect(unknown.status).toBe(401);
		expect(await errorCode(unknown)).toBe("INVALID_REFRESH_TOKEN");
		for (const bad of [undefined, 42, "", "short"]) {
			const res = await refresh(bad);
			expect(res.status).toBe(400);
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		const malformed = await api("/v1/auth/refresh", {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: "{",
		});
		expect(await errorCode(malformed)).toBe("INVALID_JSON");
	});

	it("gives a fresh role at refresh (a promotion shows up without signing in again)", async () => {
		const user = await registerUser();
		await env.DB.prepare("update users set role = 'operator' where id = ?").bind(user.user.id).run();
		const next = (await (await refresh(user.refresh_token)).json()) as Tokens;
		expect(next.user.role).toBe("operator");
		const payload = JSON.parse(
			atob(next.access_token.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? ""),
		);
		expect(payload.role).toBe("operator");
	});
});

describe("access tokens an attacker might present", () => {
	const secret = new TextEncoder().encode(env.JWT_SECRET);
	const claims = (sub: string) => ({ role: "admin", sid: "s-1" as string, sub });

	async function forge(opts: {
		key?: Uint8Array;
		typ?: string;
		aud?: string;
		iss?: string;
		exp?: number;
		alg?: string;
		sub: string;
	}) {
		const now = Math.floor(Date.now() / 1000);
		return new SignJWT({ role: "admin", sid: "s-1" })
			.setProtectedHeader({ alg: opts.alg ?? "HS256", typ: opts.typ ?? "at+jwt" })
			.setIssuer(opts.iss ?? env.JWT_ISSUER)
			.setAudience(opts.aud ?? env.JWT_AUDIENCE)
			.setSubject(opts.sub)
			.setJti(crypto.randomUUID())
			.setIssuedAt(now - 10)
			.setExpirationTime(opts.exp ?? now + 600)
			.sign(opts.key ?? secret);
	}

	it("a token signed with another key", async () => {
		const user = await registerUser();
		const token = await forge({
			sub: user.user.id,
			key: new TextEncoder().encode("not-the-secret-0123456789abcdef"),
		});
		const res = await meWith(token);
		expect(res.status).toBe(401);
		expect(await errorCode(res)).toBe("INVALID_TOKEN");
	});

	it("a valid token with a tampered payload (signature no longer matches)", async () => {
		const user = await registerUser();
		const [h, , s] = user.access_token.split(".");
		const body = toBase64Url(
			new TextEncoder().encode(JSON.stringify({ ...claims(user.user.id), exp: 9999999999 })),
		);
		expect((await meWith(`${h}.${body}.${s}`)).status).toBe(401);
	});

	it("alg: none", async () => {
		const user = await registerUser();
		const enc = (o: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(o)));
		const now = Math.floor(Date.now() / 1000);
		const token = `${enc({ alg: "none", typ: "at+jwt" })}.${enc({
			...claims(user.user.id),
			iss: env.JWT_ISSUER,
			aud: env.JWT_AUDIENCE,
			jti: "x",
			iat: now,
			exp: now + 600,
		})}.`;
		const res = await api("/v1/me", { headers: { Authorization: `Bearer ${token}` } });
		expect(res.status).toBe(401);
	});

	it("an expired token", async () => {
		const user = await registerUser();
		const { token } = await signAccessToken(
			env,
			{ userId: user.user.id, role: "user", sessionId: user.session_id },
			Date.now() - 31 * 60 * 1000,
		);
		const res = await meWith(token);
		expect(res.status).toBe(401);
		expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
	});

	it("a wrong audience, a wrong issuer, a wrong type", async () => {
		const user = await registerUser();
		for (const bad of [
			{ aud: "someone-else" },
			{ iss: "https://evil.example" },
			{ typ: "JWT" },
			{ typ: "refresh+jwt" },
		]) {
			const res = await meWith(await forge({ sub: user.user.id, ...bad }));
			expect(res.status, JSON.stringify(bad)).toBe(401);
			expect(await errorCode(res)).toBe("INVALID_TOKEN");
		}
	});

	it("a refresh token used as an access token, and garbage", async () => {
		const user = await registerUser();
		for (const t of [user.refresh_token, "a.b.c", "x"]) expect((await meWith(t)).status).toBe(401);
		expect((await api("/v1/me", { headers: { Authorization: user.access_token } })).status).toBe(401);
	});

	it("a correctly signed token whose sid names no stored session, or a revoked one (issue 13 item 8)", async () => {
		const user = await registerUser();
		const made = async (sessionId: string) =>
			(await signAccessToken(env, { userId: user.user.id, role: "user", sessionId })).token;
		for (const token of [await made(newId()), await made("")]) {
			const res = await meWith(token);
			expect(res.status).toBe(401);
			expect(await errorCode(res)).toBe("INVALID_TOKEN");
		}
		// The same signature over the real session works until that session is signed out.
		const genuine = await made(user.session_id);
		expect((await meWith(genuine)).status).toBe(200);
		await api("/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${genuine}` } });
		const after = await meWith(genuine);
		expect(after.status).toBe(401);
		expect(await errorCode(after)).toBe("INVALID_TOKEN");
	});

	it("the control: the genuine token works", async () => {
		const user = await registerUser();
		expect((await meWith(user.access_token)).status).toBe(200);
	});
});

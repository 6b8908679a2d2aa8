/**
 * TokenService: inbound verification (with the verified-token cache that spares
 * a campaign one HMAC per call) and outbound tokens. The cache must never
 * accept what jose would refuse: other bytes, another audience or issuer, a
 * wrong key, or a token past its exp.
 */
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { DIALER_NAME, TokenService, WORKER_NAME } from "../../src/control/auth.ts";

const SECRET = "unit-test-dialer-secret-0123456789";
const key = new TextEncoder().encode(SECRET);
const sign = (claims: { aud?: string; iss?: string; exp?: number; nbf?: number }, k = key) => {
	const jwt = new SignJWT({})
		.setProtectedHeader({ alg: "HS256" })
		.setIssuedAt(Math.floor(claims.exp ? claims.exp - 300 : Date.now() / 1000));
	if (claims.aud) jwt.setAudience(claims.aud);
	if (claims.iss) jwt.setIssuer(claims.iss);
	if (claims.exp) jwt.setExpirationTime(claims.exp);
	if (claims.nbf) jwt.setNotBefore(claims.nbf);
	return jwt.sign(k);
};

describe("TokenService.verify", () => {
	it("accepts a valid token, again from the cache, and stops at its exp", async () => {
		let now = 1_800_000_000_000;
		const tokens = new TokenService(SECRET, () => now);
		const token = await sign({ aud: DIALER_NAME, iss: WORKER_NAME, exp: now / 1000 + 60 });
		expect(await tokens.verify(`Bearer ${token}`)).toBe(true);
		now += 59_000;
		expect(await tokens.verify(`bearer ${token}`)).toBe(true);
		now += 1_000; // exp reached: jose refuses at exp, so must the cache
		expect(await tokens.verify(`Bearer ${token}`)).toBe(false);
	});

	it("re-verifies a token without exp after five minutes (and still accepts it, as jose does)", async () => {
		let now = 1_800_000_000_000;
		const tokens = new TokenService(SECRET, () => now);
		const token = await sign({ aud: DIALER_NAME, iss: WORKER_NAME });
		expect(await tokens.verify(`Bearer ${token}`)).toBe(true);
		now += 6 * 60_000;
		expect(await tokens.verify(`Bearer ${token}`)).toBe(true);
	});

	it("refuses a wrong key, audience, issuer, a not-yet-valid token and tampered bytes, before and after a valid one", async () => {
		const now = 1_800_000_000_000;
		const tokens = new TokenService(SECRET, () => now);
		const exp = now / 1000 + 300;
		const good = await sign({ aud: DIALER_NAME, iss: WORKER_NAME, exp });
		const bad = [
			await sign(
				{ aud: DIALER_NAME, iss: WORKER_NAME, exp },
				new TextEncoder().encode("another-secret-0123456789abcdef"),
			),
			await sign({ aud: WORKER_NAME, iss: DIALER_NAME, exp }),
			await sign({ aud: DIALER_NAME, iss: "someone", exp }),
			await sign({ aud: DIALER_NAME, iss: WORKER_NAME, exp, nbf: now / 1000 + 60 }),
			`${good.slice(0, -2)}${good.endsWith("A") ? "B" : "A"}A`,
			`${good}x`,
		];
		for (const t of bad) expect(await tokens.verify(`Bearer ${t}`)).toBe(false);
		expect(await tokens.verify(`Bearer ${good}`)).toBe(true);
		for (const t of bad) expect(await tokens.verify(`Bearer ${t}`)).toBe(false);
		expect(await tokens.verify(undefined)).toBe(false);
		expect(await tokens.verify(good)).toBe(false); // no "Bearer"
	});

	it("stays bounded with many distinct tokens and keeps accepting them", async () => {
		const now = 1_800_000_000_000;
		const tokens = new TokenService(SECRET, () => now);
		const many = await Promise.all(
			Array.from({ length: 100 }, (_, i) =>
				sign({ aud: DIALER_NAME, iss: WORKER_NAME, exp: now / 1000 + 60 + i }),
			),
		);
		for (const t of many) expect(await tokens.verify(`Bearer ${t}`)).toBe(true);
		const cache = (tokens as unknown as { verified: Map<string, number> }).verified;
		expect(cache.size).toBeLessThanOrEqual(64);
		expect(cache.has(many[99])).toBe(true); // the newest stay
		for (const t of many) expect(await tokens.verify(`Bearer ${t}`)).toBe(true);
	});
});

describe("TokenService outbound tokens", () => {
	it("mints hatch-dialer → hatch-worker tokens valid 5 minutes, reused for a minute", async () => {
		let now = 1_800_000_000_000;
		const tokens = new TokenService(SECRET, () => now);
		const a = await tokens.outbound();
		const claims = decodeJwt(a);
		expect(claims).toMatchObject({
			iss: DIALER_NAME,
			aud: WORKER_NAME,
			iat: now / 1000,
			exp: now / 1000 + 300,
		});
		now += 59_000;
		expect(await tokens.outbound()).toBe(a);
		now += 2_000;
		expect(await tokens.outbound()).not.toBe(a);
	});

	it("forDialer tokens pass verify", async () => {
		const tokens = new TokenService(SECRET);
		expect(await tokens.verify(`Bearer ${await tokens.forDialer()}`)).toBe(true);
	});
});

/**
 * JWTs between the Worker and the dialer (HS256, shared DIALER_SECRET).
 * Inbound: aud "hatch-dialer", iss "hatch-worker". Outbound (callbacks, audio
 * fetches): aud "hatch-worker", iss "hatch-dialer".
 */
import type { webcrypto } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

type CryptoKey = webcrypto.CryptoKey;

/** The dialer: audience of inbound tokens, issuer of outbound ones. */
export const DIALER_NAME = "hatch-dialer";
/** The Worker: issuer of inbound tokens, audience of outbound ones. */
export const WORKER_NAME = "hatch-worker";

/** How many verified tokens are remembered (the Worker reuses one token for a minute). */
const VERIFIED_MAX = 64;
/** The longest a verified token is trusted without checking its signature again. */
const VERIFIED_TTL_MS = 5 * 60_000;

/** Verifies inbound tokens and mints outbound ones. */
export class TokenService {
	private readonly secret: Uint8Array;
	/** The HMAC key, imported once: jose would otherwise import the raw secret on every call. */
	private key?: Promise<CryptoKey>;
	private cached?: { token: string; until: number };
	/**
	 * Tokens whose signature and claims already checked out, until when they stay
	 * good: their own `exp`, at most {@link VERIFIED_TTL_MS}. The Worker sends the
	 * same token for a minute, so a campaign's POSTs verify one signature a minute
	 * instead of one per call. Keyed by the whole token string, so only the exact
	 * bytes that were verified hit.
	 */
	private readonly verified = new Map<string, number>();
	private readonly now: () => number;

	constructor(secret: string, now: () => number = Date.now) {
		this.secret = new TextEncoder().encode(secret);
		this.now = now;
	}

	private hmacKey(): Promise<CryptoKey> {
		this.key ??= crypto.subtle.importKey("raw", this.secret, { name: "HMAC", hash: "SHA-256" }, false, [
			"sign",
			"verify",
		]);
		return this.key;
	}

	/**
	 * True when `authorization` carries a valid token for the dialer.
	 * @example await tokens.verify(req.headers.authorization) // false without "Bearer <jwt>"
	 */
	async verify(authorization: string | undefined): Promise<boolean> {
		const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
		if (!m) return false;
		const token = m[1];
		const now = this.now();
		const until = this.verified.get(token);
		if (until !== undefined) {
			if (now < until) return true;
			this.verified.delete(token);
		}
		try {
			const { payload } = await jwtVerify(token, await this.hmacKey(), {
				algorithms: ["HS256"],
				audience: DIALER_NAME,
				issuer: WORKER_NAME,
				currentDate: new Date(now),
			});
			let good = now + VERIFIED_TTL_MS;
			if (typeof payload.exp === "number") good = Math.min(good, payload.exp * 1000);
			this.remember(token, good);
			return true;
		} catch {
			return false;
		}
	}

	private remember(token: string, until: number): void {
		this.verified.set(token, until);
		if (this.verified.size <= VERIFIED_MAX) return;
		const now = this.now();
		for (const [t, u] of this.verified) if (u <= now) this.verified.delete(t);
		// Still full: forget the oldest (Map iteration is insertion order).
		for (const t of this.verified.keys()) {
			if (this.verified.size <= VERIFIED_MAX) break;
			this.verified.delete(t);
		}
	}

	/** A short-lived token for calling the Worker, reused for a minute. */
	async outbound(): Promise<string> {
		const now = this.now();
		if (this.cached && this.cached.until > now) return this.cached.token;
		const token = await new SignJWT({})
			.setProtectedHeader({ alg: "HS256" })
			.setIssuer(DIALER_NAME)
			.setAudience(WORKER_NAME)
			.setIssuedAt(Math.floor(now / 1000))
			.setExpirationTime(Math.floor(now / 1000) + 300)
			.sign(await this.hmacKey());
		this.cached = { token, until: now + 60_000 };
		return token;
	}

	/** Mint a token the dialer accepts (tests and the bench). */
	async forDialer(ttl = "5m"): Promise<string> {
		return new SignJWT({})
			.setProtectedHeader({ alg: "HS256" })
			.setIssuer(WORKER_NAME)
			.setAudience(DIALER_NAME)
			.setIssuedAt()
			.setExpirationTime(ttl)
			.sign(await this.hmacKey());
	}
}

/**
 * JWTs between the Worker and the dialer (HS256, shared DIALER_SECRET).
 * Inbound: aud "hatch-dialer", iss "hatch-worker". Outbound (callbacks, audio
 * fetches): aud "hatch-worker", iss "hatch-dialer".
 */
import { jwtVerify, SignJWT } from "jose";

/** The dialer: audience of inbound tokens, issuer of outbound ones. */
export const DIALER_NAME = "hatch-dialer";
/** The Worker: issuer of inbound tokens, audience of outbound ones. */
export const WORKER_NAME = "hatch-worker";

/** Verifies inbound tokens and mints outbound ones. */
export class TokenService {
	private readonly key: Uint8Array;
	private cached?: { token: string; until: number };

	constructor(secret: string) {
		this.key = new TextEncoder().encode(secret);
	}

	/** True when `authorization` carries a valid token for the dialer. */
	async verify(authorization: string | undefined): Promise<boolean> {
		const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
		if (!m) return false;
		try {
			await jwtVerify(m[1], this.key, { algorithms: ["HS256"], audience: DIALER_NAME, issuer: WORKER_NAME });
			return true;
		} catch {
			return false;
		}
	}

	/** A short-lived token for calling the Worker, reused for a minute. */
	async outbound(): Promise<string> {
		const now = Date.now();
		if (this.cached && this.cached.until > now) return this.cached.token;
		const token = await new SignJWT({})
			.setProtectedHeader({ alg: "HS256" })
			.setIssuer(DIALER_NAME)
			.setAudience(WORKER_NAME)
			.setIssuedAt()
			.setExpirationTime("5m")
			.sign(this.key);
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
			.sign(this.key);
	}
}

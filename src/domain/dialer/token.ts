import { jwtVerify, SignJWT } from "jose";

/**
 * The JWTs between the Worker and the dialer: HS256 under DIALER_SECRET,
 * `hatch-worker` → `hatch-dialer` on control requests and the reverse on the
 * dialer's callbacks (events, audio fetches).
 *
 * @example headers.Authorization = `Bearer ${await signDialerToken(env.DIALER_SECRET)}`;
 */
export async function signDialerToken(secret: string, now = Date.now()): Promise<string> {
	const cached = cache.get(secret);
	// Reuse a token for a minute: a 100 calls/s campaign need not sign 100 JWTs a second.
	if (cached && cached.until > now) return cached.token;
	const token = await new SignJWT({})
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setIssuer("hatch-worker")
		.setAudience("hatch-dialer")
		.setIssuedAt(Math.floor(now / 1000))
		.setExpirationTime(Math.floor(now / 1000) + 300)
		.sign(key(secret));
	cache.set(secret, { token, until: now + 60_000 });
	return token;
}

/** Verifies a token the dialer sent us; throws when it is not one. */
export async function verifyDialerCallbackToken(
	secret: string,
	token: string,
	now = Date.now(),
): Promise<void> {
	// The dialer reuses one token across many callbacks; remember good ones until they expire.
	const known = verified.get(token);
	if (known !== undefined && known > now) return;
	const { payload } = await jwtVerify(token, key(secret), {
		algorithms: ["HS256"],
		issuer: "hatch-dialer",
		audience: "hatch-worker",
		clockTolerance: 30,
	});
	if (verified.size > 1000) verified.clear();
	verified.set(token, Math.min(now + 60_000, (payload.exp ?? 0) * 1000));
}

const verified = new Map<string, number>();

/** Mints a token as the dialer would (tests and the bench's simulated dialer). */
export async function signAsDialer(secret: string): Promise<string> {
	return new SignJWT({})
		.setProtectedHeader({ alg: "HS256", typ: "JWT" })
		.setIssuer("hatch-dialer")
		.setAudience("hatch-worker")
		.setIssuedAt()
		.setExpirationTime("5m")
		.sign(key(secret));
}

const cache = new Map<string, { token: string; until: number }>();

function key(secret: string): Uint8Array {
	return new TextEncoder().encode(secret);
}

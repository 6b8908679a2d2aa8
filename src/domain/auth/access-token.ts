import { errors, jwtVerify, SignJWT } from "jose";
import type { AuthContext, Role } from "../../env";
import { ApiError } from "../../errors";
import { newId, sha256Hex } from "../../lib/ids";

/** Access tokens live 30 minutes; a refresh token gets a new one. */
export const ACCESS_TOKEN_TTL_S = 30 * 60;
const TYP = "at+jwt"; // RFC 9068: tells an access token apart from any other JWT we sign

export type TokenConfig = {
	JWT_SECRET: string;
	JWT_ISSUER: string;
	JWT_AUDIENCE: string;
};

async function keyOf(secret: string) {
	const raw = new TextEncoder().encode(secret);
	// The kid names the key without revealing it, so a rotated secret can be told apart.
	const kid = (await sha256Hex(secret)).slice(0, 16);
	return { raw, kid };
}

/**
 * Signs a 30-minute HS256 access token.
 *
 * @example const { token } = await signAccessToken(env, { userId, role: "user", sessionId });
 */
export async function signAccessToken(
	config: TokenConfig,
	subject: AuthContext,
	now = Date.now(),
): Promise<{ token: string; expiresAt: number }> {
	const { raw, kid } = await keyOf(config.JWT_SECRET);
	const iat = Math.floor(now / 1000);
	const token = await new SignJWT({ role: subject.role, sid: subject.sessionId })
		.setProtectedHeader({ alg: "HS256", typ: TYP, kid })
		.setIssuer(config.JWT_ISSUER)
		.setAudience(config.JWT_AUDIENCE)
		.setSubject(subject.userId)
		.setJti(newId(now))
		.setIssuedAt(iat)
		.setExpirationTime(iat + ACCESS_TOKEN_TTL_S)
		.sign(raw);
	return { token, expiresAt: (iat + ACCESS_TOKEN_TTL_S) * 1000 };
}

/**
 * Verifies an access token: algorithm pinned to HS256 (so `alg: none` and
 * key-confusion tricks fail), issuer, audience, type and expiry checked.
 * Throws `ApiError("INVALID_TOKEN")` on any failure.
 */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<AuthContext> {
	const { raw } = await keyOf(config.JWT_SECRET);
	try {
		const { payload } = await jwtVerify(token, raw, {
			algorithms: ["HS256"],
			issuer: config.JWT_ISSUER,
			audience: config.JWT_AUDIENCE,
			typ: TYP,
			requiredClaims: ["sub", "jti", "exp", "iat"],
		});
		const role = payload.role;
		if (role !== "user" && role !== "operator" && role !== "admin") throw new Error("bad role");
		if (typeof payload.sub !== "string" || typeof payload.sid !== "string") throw new Error("bad subject");
		return { userId: payload.sub, role: role as Role, sessionId: payload.sid };
	} catch (err) {
		const expired = err instanceof errors.JWTExpired;
		throw new ApiError("INVALID_TOKEN", expired ? "Access token expired" : "Access token is not valid", {
			headers: { "WWW-Authenticate": `Bearer error="invalid_token"` },
		});
	}
}

import { decodeProtectedHeader, jwtVerify } from "jose";
import { sessionFromKey, sessionKeyOf } from "../../domain/auth/session-key";
import { type IssuedTokens, SESSION_TTL_MS } from "../../domain/auth/sessions";
import type { Db } from "../../domain/users/db";
import type { AuthContext } from "../../env";
import { ApiError } from "../../errors";

/**
 * The seed's token object for a native session: `access_key_id` names the
 * session, `secret_access_key` is its key (the HMAC of session-key.ts), and
 * `refresh_token` is the session's native refresh token.
 */
export async function tokenView(secret: string, issued: IssuedTokens, now = Date.now()) {
	const key = await sessionKeyOf(secret, issued.sessionId);
	const at = new Date(now).toISOString();
	return {
		access_key_id: issued.sessionId,
		secret_access_key: key.slice(issued.sessionId.length + 1),
		refresh_token: issued.refreshToken,
		is_refreshable: true,
		created_at: at,
		modified_at: at,
		expires_at: new Date(now + SESSION_TTL_MS).toISOString(),
	};
}

const unauthenticated = (why: string) => new ApiError("UNAUTHENTICATED", why);

/**
 * "Authorization is using jwt": a request carries `Authorization: Bearer
 * <JWT>` that the client signs (HS256) with its `secret_access_key`, naming
 * its `access_key_id` as the header's `kid`. The session must be live.
 *
 * @throws UNAUTHENTICATED (401)
 * @example const auth = await authFromJwt(db, env.JWT_SECRET, c.req.header("Authorization"));
 */
export async function authFromJwt(db: Db, secret: string, header: string | undefined): Promise<AuthContext> {
	const jwt = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]+)$/.exec(header ?? "")?.[1];
	if (!jwt) throw unauthenticated("A bearer JWT signed with your secret_access_key is required");
	let kid: string | undefined;
	try {
		kid = decodeProtectedHeader(jwt).kid;
	} catch {
		throw unauthenticated("Not a JWT");
	}
	if (!kid || kid.length > 64) throw unauthenticated("The JWT header must name your access_key_id as kid");
	const key = await sessionKeyOf(secret, kid);
	try {
		await jwtVerify(jwt, new TextEncoder().encode(key.slice(kid.length + 1)), { algorithms: ["HS256"] });
	} catch {
		throw unauthenticated("The JWT signature or expiry is not valid");
	}
	const auth = await sessionFromKey(db, secret, key);
	if (!auth) throw unauthenticated("This access key was signed out or has expired");
	return auth;
}

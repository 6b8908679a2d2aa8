import { eq } from "drizzle-orm";
import { sessions, users } from "../../db/schema";
import type { AuthContext } from "../../env";
import { hmacKey } from "../../lib/hmac-key";
import { fromBase64Url, toBase64Url } from "../../lib/ids";
import type { Db } from "../users/db";
import { timingSafeEqual } from "./password";

/**
 * A long-lived session key for clients that put their session in the URL
 * (the Egg seed's `/session/$SESSION_ID/…`): `<sessionId>.<HMAC>` under a
 * server secret. Nothing extra is stored: the key lives exactly as long as
 * its native session, so signing out or revoking the session kills it.
 *
 * @example const key = await sessionKeyOf(env.JWT_SECRET, issued.sessionId);
 */
export async function sessionKeyOf(secret: string, sessionId: string): Promise<string> {
	return `${sessionId}.${toBase64Url(await mac(secret, sessionId))}`;
}

/**
 * The signed-in user a session key names, or null when the key is forged,
 * or its session revoked, expired or gone.
 *
 * @example const auth = await sessionFromKey(db, env.JWT_SECRET, c.req.param("sid"));
 */
export async function sessionFromKey(
	db: Db,
	secret: string,
	key: string,
	now = Date.now(),
): Promise<AuthContext | null> {
	const [sessionId, tag] = key.split(".");
	if (!sessionId || !tag || key.length > 200) return null;
	let given: Uint8Array;
	try {
		given = fromBase64Url(tag);
	} catch {
		return null;
	}
	if (!timingSafeEqual(given, await mac(secret, sessionId))) return null;
	const row = await db
		.select({
			userId: sessions.userId,
			revokedAt: sessions.revokedAt,
			expiresAt: sessions.expiresAt,
			role: users.role,
		})
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.id, sessionId))
		.get();
	if (!row || row.revokedAt !== null || row.expiresAt.getTime() <= now) return null;
	return { userId: row.userId, role: row.role, sessionId };
}

async function mac(secret: string, sessionId: string): Promise<Uint8Array> {
	const key = await hmacKey(`session-key:${secret}`);
	return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(sessionId)));
}

import { and, desc, eq, gt, isNull, lt, ne } from "drizzle-orm";
import { refreshTokens, type SessionRow, sessions, users } from "../../db/schema";
import type { Role } from "../../env";
import { ApiError } from "../../errors";
import { newId, randomToken, sha256Hex } from "../../lib/ids";
import type { Db } from "../users/db";
import { signAccessToken, type TokenConfig } from "./access-token";

/** Refresh tokens (and so sessions) end 14 days after sign-in, however often they rotate. */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;

export type ClientMeta = { userAgent?: string | null; ip?: string | null };

export type IssuedTokens = {
	accessToken: string;
	accessExpiresAt: number;
	refreshToken: string;
	refreshExpiresAt: number;
	sessionId: string;
};

/**
 * Signs a user in on one device: a new session (refresh-token family), a
 * 256-bit refresh token stored only as its SHA-256, and an access token.
 *
 * @example const tokens = await startSession(db, env, user, { userAgent, ip });
 */
export async function startSession(
	db: Db,
	config: TokenConfig,
	user: { id: string; role: Role },
	meta: ClientMeta,
	now = Date.now(),
): Promise<IssuedTokens> {
	const sessionId = newId(now);
	const refreshToken = randomToken(32);
	const expiresAt = now + SESSION_TTL_MS;
	await db.batch([
		// Forget this user's long-dead sessions so the table does not grow forever.
		db
			.delete(sessions)
			.where(and(eq(sessions.userId, user.id), lt(sessions.expiresAt, new Date(now - 24 * 3600 * 1000)))),
		db.insert(sessions).values({
			id: sessionId,
			userId: user.id,
			userAgent: meta.userAgent?.slice(0, 256) ?? null,
			ip: meta.ip?.slice(0, 64) ?? null,
			createdAt: new Date(now),
			lastUsedAt: new Date(now),
			expiresAt: new Date(expiresAt),
		}),
		db.insert(refreshTokens).values({
			id: newId(now),
			sessionId,
			tokenHash: await sha256Hex(refreshToken),
			createdAt: new Date(now),
		}),
	]);
	const access = await signAccessToken(config, { userId: user.id, role: user.role, sessionId }, now);
	return {
		accessToken: access.token,
		accessExpiresAt: access.expiresAt,
		refreshToken,
		refreshExpiresAt: expiresAt,
		sessionId,
	};
}

/**
 * Exchanges a refresh token for a new pair. The presented token is rotated
 * (it never works again); presenting an already-rotated token is taken as
 * theft: `onReuse` revokes the whole session (revocation.ts), so both the
 * thief and the victim must sign in again.
 *
 * @throws INVALID_REFRESH_TOKEN (unknown, expired, revoked) or REFRESH_TOKEN_REUSED.
 * @example const tokens = await rotateRefreshToken(db, env, body.refresh_token, onReuse);
 */
export async function rotateRefreshToken(
	db: Db,
	config: TokenConfig,
	presented: string,
	onReuse: (session: { id: string; userId: string }) => Promise<unknown>,
	now = Date.now(),
): Promise<IssuedTokens & { userId: string }> {
	const found = await db
		.select({ token: refreshTokens, session: sessions, role: users.role })
		.from(refreshTokens)
		.innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
		.get();
	if (!found) throw invalidRefresh();
	const { token, session, role } = found;
	if (token.rotatedAt !== null) {
		await onReuse(session);
		throw new ApiError("REFRESH_TOKEN_REUSED", "Refresh token was already used; the session is revoked", {
			status: 401,
		});
	}
	if (session.revokedAt !== null || session.expiresAt.getTime() <= now) throw invalidRefresh();

	// Claim the token atomically: of two concurrent uses only one wins, and
	// the loser is treated exactly like a replay.
	const claimed = await db
		.update(refreshTokens)
		.set({ rotatedAt: new Date(now) })
		.where(and(eq(refreshTokens.id, token.id), isNull(refreshTokens.rotatedAt)))
		.returning({ id: refreshTokens.id });
	if (claimed.length !== 1) {
		await onReuse(session);
		throw new ApiError("REFRESH_TOKEN_REUSED", "Refresh token was already used; the session is revoked", {
			status: 401,
		});
	}

	const refreshToken = randomToken(32);
	await db.batch([
		db.insert(refreshTokens).values({
			id: newId(now),
			sessionId: session.id,
			tokenHash: await sha256Hex(refreshToken),
			createdAt: new Date(now),
		}),
		db
			.update(sessions)
			.set({ lastUsedAt: new Date(now) })
			.where(eq(sessions.id, session.id)),
	]);
	// The role is read fresh, so a promotion shows up at the next refresh.
	const access = await signAccessToken(config, { userId: session.userId, role, sessionId: session.id }, now);
	return {
		accessToken: access.token,
		accessExpiresAt: access.expiresAt,
		refreshToken,
		refreshExpiresAt: session.expiresAt.getTime(),
		sessionId: session.id,
		userId: session.userId,
	};
}

function invalidRefresh() {
	return new ApiError("INVALID_REFRESH_TOKEN", "Refresh token is not valid", { status: 401 });
}

/**
 * Revokes one of the user's own sessions in D1 (callers go through
 * revocation.ts `endSessions`, which also closes its sockets).
 *
 * @returns its id, or nothing when no such live session belongs to the user.
 */
export async function revokeSession(
	db: Db,
	userId: string,
	sessionId: string,
	reason: string,
): Promise<string[]> {
	const rows = await db
		.update(sessions)
		.set({ revokedAt: new Date(), revokeReason: reason })
		.where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
		.returning({ id: sessions.id });
	return rows.map((r) => r.id);
}

/**
 * Revokes every live session of a user in D1 (sign out everywhere,
 * password change or reset, demotion), optionally keeping one.
 *
 * @returns the ids of the sessions revoked.
 */
export async function revokeAllSessions(
	db: Db,
	userId: string,
	reason: string,
	exceptSessionId?: string,
): Promise<string[]> {
	const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
	if (exceptSessionId) conditions.push(ne(sessions.id, exceptSessionId));
	const rows = await db
		.update(sessions)
		.set({ revokedAt: new Date(), revokeReason: reason })
		.where(and(...conditions))
		.returning({ id: sessions.id });
	return rows.map((r) => r.id);
}

/** The user's live sessions, most recently used first. */
export async function listSessions(db: Db, userId: string, now = Date.now()): Promise<SessionRow[]> {
	return db
		.select()
		.from(sessions)
		.where(
			and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, new Date(now))),
		)
		.orderBy(desc(sessions.lastUsedAt))
		.limit(100);
}

/**
 * The cheap check behind requireAuth: one primary-key read. An access token
 * whose session was revoked or has ended stops working at once instead of
 * living out its 30 minutes, and so does one naming no stored session (a
 * correct signature alone does not make a session).
 *
 * @example if (!(await isSessionLive(db, auth.sessionId))) throw ...;
 */
export async function isSessionLive(db: Db, sessionId: string, now = Date.now()): Promise<boolean> {
	const row = await db
		.select({ revokedAt: sessions.revokedAt, expiresAt: sessions.expiresAt })
		.from(sessions)
		.where(eq(sessions.id, sessionId))
		.get();
	if (!row) return false;
	return row.revokedAt === null && row.expiresAt.getTime() > now;
}

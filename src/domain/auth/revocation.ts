import { createLogger } from "../../lib/log";
import { hubOf } from "../chats/deps";
import { closeSupportSockets } from "../support/desk";
import type { Db } from "../users/db";
import { revokeAllSessions, revokeSession } from "./sessions";

/**
 * Closes what revoked sessions still hold open: their sockets (hub and
 * chat-viewing) and their unredeemed socket tickets.
 */
export type SocketCloser = (userId: string, sessionIds: string[]) => Promise<unknown>;

/**
 * An event that ends sessions. `logout`, `user` (one device signed out from
 * the sessions list) and `refresh_token_reuse` (a replayed refresh token,
 * whose whole family goes) end the one session they name; the others end
 * every live session of the user.
 */
export type Revocation =
	| { reason: "logout" | "user" | "refresh_token_reuse"; userId: string; sessionId: string }
	| {
			reason:
				| "sign_out_everywhere"
				| "password_changed"
				| "password_reset"
				| "role_lowered"
				| "admin_signed_out";
			userId: string;
	  };

/**
 * Revokes the sessions `event` ends in D1 (from then on their access tokens
 * and refresh tokens are refused), then has their sockets closed (4401) and
 * their tickets voided. A failure to reach the sockets is logged, not
 * thrown: the revocation stands, and a ticket of a revoked session is
 * refused when it is redeemed.
 *
 * @returns the ids of the sessions this event revoked (empty when none was live).
 * @example await endSessions(db, hubSockets(env), { reason: "logout", userId, sessionId });
 */
export async function endSessions(db: Db, closeSockets: SocketCloser, event: Revocation): Promise<string[]> {
	const ids =
		"sessionId" in event
			? await revokeSession(db, event.userId, event.sessionId, event.reason)
			: await revokeAllSessions(db, event.userId, event.reason);
	if (ids.length === 0) return ids;
	try {
		await closeSockets(event.userId, ids);
	} catch (err) {
		createLogger({ module: "auth" }).error("closing revoked sessions' sockets failed", {
			reason: event.reason,
			err: String(err),
		});
	}
	return ids;
}

/**
 * The real closer: the user's UserHub closes its sockets of those sessions,
 * voids their tickets and has every ChatRoom they view close theirs; the
 * SupportDesk closes their support sockets (native and seed).
 *
 * @example await endSessions(c.var.db, hubSockets(c.env), event);
 */
export function hubSockets(env: Env): SocketCloser {
	return (userId, sessionIds) =>
		Promise.all([
			hubOf(env, userId).sessionsRevoked(userId, sessionIds),
			closeSupportSockets(env, userId, sessionIds),
		]);
}

/**
 * What rotateRefreshToken does with a replayed token's session: ends it
 * like any other revocation, sockets included.
 *
 * @example await rotateRefreshToken(db, env, token, onRefreshReuse(db, hubSockets(env)));
 */
export function onRefreshReuse(db: Db, closeSockets: SocketCloser) {
	return (session: { id: string; userId: string }) =>
		endSessions(db, closeSockets, {
			reason: "refresh_token_reuse",
			userId: session.userId,
			sessionId: session.id,
		});
}

import { unwrap } from "../../lib/result";

/** The desk's Durable Object: one desk, so one writer decides every take. */
export function deskOf(env: Env) {
	return env.SUPPORT_DESK.get(env.SUPPORT_DESK.idFromName("main"));
}

export { unwrap };

/**
 * Closes the desk sockets of revoked sessions (4401); called by the revocation closer
 * (src/domain/auth/revocation.ts hubSockets).
 *
 * @example await closeSupportSockets(env, userId, [sessionId]);
 */
export async function closeSupportSockets(env: Env, userId: string, sessions: string[]) {
	return deskOf(env).closeSessions(userId, sessions);
}

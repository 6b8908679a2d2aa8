import type { Db } from "../../db/client";
import { hubOf } from "../chats/deps";
import { revokeAllSessions } from "./sessions";

/**
 * Revokes every session of the user and closes their open sockets, so a
 * signed-out device stops hearing at once (its access tokens already stop
 * at the next request: requireAuth checks the session).
 *
 * @example await signOutEverywhere(env, db, userId, "sign_out_everywhere");
 */
export async function signOutEverywhere(env: Env, db: Db, userId: string, reason: string): Promise<number> {
	const revoked = await revokeAllSessions(db, userId, reason);
	await hubOf(env, userId).closeSessions(null, "Signed out");
	return revoked;
}

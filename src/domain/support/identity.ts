import { createDb } from "../../db/client";
import type { Role } from "../../env";
import { ApiError } from "../../errors";
import { verifyAccessToken } from "../auth/access-token";
import { isSessionLive } from "../auth/sessions";
import { getUser } from "../users/users";
import type { Actor } from "./queue";

/** Operators and admins work the desk; everyone else is a customer. */
export function isOperator(role: Role): boolean {
	return role === "operator" || role === "admin";
}

/** A user as the desk sees them: id, display name and the role in D1 now (not the token's). */
export async function loadActor(env: Env, userId: string): Promise<Actor> {
	const u = await getUser(createDb(env.DB), userId);
	return { id: u.id, name: u.displayName, role: u.role };
}

/**
 * Who an access token belongs to, for sockets that authenticate in-band (the
 * seed's `message.auth`): signature, expiry and a live session are required.
 *
 * @returns null for anything else, so the caller can close the socket.
 */
export async function actorFromToken(
	env: Env,
	token: string,
): Promise<{ actor: Actor; sessionId: string } | null> {
	try {
		const auth = await verifyAccessToken(env, token);
		if (!(await isSessionLive(createDb(env.DB), auth.sessionId))) return null;
		return { actor: await loadActor(env, auth.userId), sessionId: auth.sessionId };
	} catch (err) {
		if (err instanceof ApiError) return null;
		throw err;
	}
}

import type { Db } from "../../db/client";
import { ApiError } from "../../errors";

/** What chat domain functions need: the bindings (for the Durable Objects) and the D1 handle. */
export type ChatDeps = { env: Env; db: Db };

/** The ChatRoom stub of a chat. One Durable Object per chat id. */
export function roomOf(env: Env, chatId: string) {
	return env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(chatId));
}

/** The UserHub stub of a user. One Durable Object per user id. */
export function hubOf(env: Env, userId: string) {
	return env.USER_HUB.get(env.USER_HUB.idFromName(userId));
}

/**
 * Durable Object RPC carries only an Error's message across, so rooms return
 * failures as values and callers turn them back into ApiError here.
 */
export type RoomResult<T> =
	| { ok: true; value: T }
	| { ok: false; code: string; status: number; message: string; details?: unknown };

export function unwrap<T>(r: RoomResult<T>): T {
	if (r.ok) return r.value;
	throw new ApiError(r.code, r.message, { status: r.status, details: r.details });
}

export function fail(
	code: string,
	status: number,
	message: string,
	details?: unknown,
): { ok: false; code: string; status: number; message: string; details?: unknown } {
	return details === undefined
		? { ok: false, code, status, message }
		: { ok: false, code, status, message, details };
}

/** Runs `fn` and reports a thrown ApiError as a value (see RoomResult). */
export async function asResult<T>(fn: () => Promise<T> | T): Promise<RoomResult<T>> {
	try {
		return { ok: true, value: await fn() };
	} catch (err) {
		if (err instanceof ApiError) return fail(String(err.code), err.status, err.message, err.details);
		throw err;
	}
}

import { ApiError } from "../errors";

/** A refusal as a value: the stable UPPER_SNAKE code, the HTTP-like status, and any details. */
export type Refusal<D = unknown> = { ok: false; code: string; status: number; message: string; details?: D };

/**
 * The one answer convention between Durable Objects and their callers.
 * Durable Object RPC carries only an Error's message across, so an RPC that
 * can refuse returns its refusal as a value with its code (ChatRoom,
 * SupportDesk, and one UserHub to another in a call), and the caller turns
 * it back into ApiError with `unwrap` or reads the code. An RPC that cannot
 * refuse returns its value as it is.
 *
 * @example const message = unwrap(await roomOf(env, chatId).send(chatId, userId, input));
 */
export type Result<T, D = unknown> = { ok: true; value: T } | Refusal<D>;

/** The value of a Result, or its refusal thrown as ApiError. */
export function unwrap<T>(r: Result<T>): T {
	if (r.ok) return r.value;
	throw new ApiError(r.code, r.message, { status: r.status, details: r.details });
}

/** A refusal (details only when given). @example return fail("NO_CALL", 404, "No such call"); */
export function fail<D = unknown>(code: string, status: number, message: string, details?: D): Refusal<D> {
	return details === undefined
		? { ok: false, code, status, message }
		: { ok: false, code, status, message, details };
}

/** Runs `fn` and reports a thrown ApiError as a value (see Result); anything else still throws. */
export async function asResult<T>(fn: () => Promise<T> | T): Promise<Result<T>> {
	try {
		return { ok: true, value: await fn() };
	} catch (err) {
		if (err instanceof ApiError) return fail(String(err.code), err.status, err.message, err.details);
		throw err;
	}
}

/**
 * One error type for everything the SDK rejects with. `code` is the API's
 * stable UPPER_SNAKE code (REST `error.code`, socket `reason`), `status` the
 * HTTP status or the socket error's HTTP-like `code`.
 *
 * @example try { await hatch.auth.loginWithEmail(e, p) } catch (err) { if (err instanceof HatchError && err.code === "INVALID_CREDENTIALS") … }
 */
export class HatchError extends Error {
	readonly code: string;
	readonly status: number;
	readonly requestId?: string;
	readonly retryAfterMs?: number;

	constructor(
		code: string,
		message: string,
		status: number,
		extra: { requestId?: string; retryAfterMs?: number } = {},
	) {
		super(message);
		this.name = "HatchError";
		this.code = code;
		this.status = status;
		this.requestId = extra.requestId;
		this.retryAfterMs = extra.retryAfterMs;
	}
}

/** The SDK's own codes (never sent by the server). */
export const CLIENT_CODES = {
	/** A non-idempotent request was in flight when the socket dropped; it may or may not have run. */
	DISCONNECTED: "DISCONNECTED",
	/** `close()` was called while the request waited. */
	CLOSED: "CLOSED",
	/** No reply within the request timeout. */
	TIMEOUT: "TIMEOUT",
	/** Signed out, or the refresh token was refused. */
	SIGNED_OUT: "SIGNED_OUT",
	/** The server answered something that is not the API's JSON. */
	BAD_RESPONSE: "BAD_RESPONSE",
} as const;

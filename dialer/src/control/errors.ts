/**
 * One error type for the control API: a stable UPPER_SNAKE code mapped to an
 * HTTP status in one place, rendered as `{error: {code, message}}`.
 */

/** An API error with a stable code. */
export class ApiError extends Error {
	readonly code: string;
	constructor(code: string, message: string) {
		super(message);
		this.code = code;
	}
}

/** The one error body, `{error: {code, message, requestId}}`, and its status. */
export function errorResponse(
	code: string,
	message: string,
	requestId: string,
): { status: number; body: { error: { code: string; message: string; requestId: string } } } {
	return { status: statusFor(code), body: { error: { code, message, requestId } } };
}

/** The HTTP status for a code. */
export function statusFor(code: string): number {
	switch (code) {
		case "UNAUTHORIZED":
			return 401;
		case "NOT_FOUND":
		case "CALL_NOT_FOUND":
			return 404;
		case "METHOD_NOT_ALLOWED":
			return 405;
		case "CALL_EXISTS":
			return 409;
		case "BODY_TOO_LARGE":
			return 413;
		case "UNSUPPORTED_MEDIA_TYPE":
			return 415;
		case "AUDIO_EMPTY":
		case "AUDIO_TOO_LARGE":
		case "AUDIO_UNSUPPORTED_FORMAT":
		case "AUDIO_MALFORMED":
		case "AUDIO_TOO_LONG":
			return 422;
		case "AUDIO_FETCH_FAILED":
			return 502;
		case "AT_CAPACITY":
		case "RTP_PORTS_EXHAUSTED":
		case "SHUTTING_DOWN":
			return 503;
		default:
			return code.startsWith("INVALID_") ? 400 : 500;
	}
}

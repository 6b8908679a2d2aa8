/**
 * The dialer's error codes and their HTTP statuses, in one switch shared by
 * the dialer (which answers them) and the Worker (which reads them back).
 * Anything `INVALID_*` is a 400 naming the field (see `callRequestError`).
 */
export const DIALER_ERROR_STATUS = {
	UNAUTHORIZED: 401,
	NOT_FOUND: 404,
	CALL_NOT_FOUND: 404,
	METHOD_NOT_ALLOWED: 405,
	CALL_EXISTS: 409,
	BODY_TOO_LARGE: 413,
	UNSUPPORTED_MEDIA_TYPE: 415,
	AUDIO_EMPTY: 422,
	AUDIO_TOO_LARGE: 422,
	AUDIO_UNSUPPORTED_FORMAT: 422,
	AUDIO_MALFORMED: 422,
	AUDIO_TOO_LONG: 422,
	AUDIO_FETCH_FAILED: 502,
	AT_CAPACITY: 503,
	RTP_PORTS_EXHAUSTED: 503,
	SHUTTING_DOWN: 503,
	INTERNAL: 500,
} as const;
export type DialerErrorCode = keyof typeof DIALER_ERROR_STATUS | `INVALID_${string}`;

/**
 * The HTTP status for a dialer error code.
 * @example dialerErrorStatus("CALL_EXISTS") // 409; dialerErrorStatus("INVALID_TO") // 400
 */
export function dialerErrorStatus(code: string): number {
	const known = (DIALER_ERROR_STATUS as Record<string, number>)[code];
	if (known !== undefined) return known;
	return code.startsWith("INVALID_") ? 400 : 500;
}

/**
 * The one error model. Every failure a client can see carries a stable
 * UPPER_SNAKE `code`; the HTTP status is derived from the code in one place.
 *
 * @example
 * throw new ApiError("NOT_FOUND", "Chat not found");
 */
export const ERROR_STATUS = {
	BAD_REQUEST: 400,
	INVALID_JSON: 400,
	VALIDATION_FAILED: 400,
	UNAUTHENTICATED: 401,
	INVALID_TOKEN: 401,
	INVALID_CREDENTIALS: 401,
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	METHOD_NOT_ALLOWED: 405,
	CONFLICT: 409,
	GONE: 410,
	PRECONDITION_REQUIRED: 428,
	PAYLOAD_TOO_LARGE: 413,
	UNSUPPORTED_MEDIA_TYPE: 415,
	RANGE_NOT_SATISFIABLE: 416,
	UNPROCESSABLE: 422,
	RATE_LIMITED: 429,
	INTERNAL: 500,
	NOT_IMPLEMENTED: 501,
	BAD_GATEWAY: 502,
	UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
	readonly code: ErrorCode | (string & {});
	readonly status: number;
	readonly details?: unknown;
	readonly headers?: Record<string, string>;

	constructor(
		code: ErrorCode | (string & {}),
		message: string,
		options: { status?: number; details?: unknown; headers?: Record<string, string> } = {},
	) {
		super(message);
		this.name = "ApiError";
		this.code = code;
		this.status = options.status ?? statusOf(code);
		this.details = options.details;
		this.headers = options.headers;
	}
}

/** Status for a code; domain-specific codes (e.g. EMAIL_TAKEN) pass their status explicitly. */
export function statusOf(code: string): number {
	return (ERROR_STATUS as Record<string, number>)[code] ?? 400;
}

/** The JSON body every error response carries. */
export type ErrorBody = {
	error: { code: string; message: string; requestId: string; details?: unknown };
};

import { ApiError } from "../../errors";

/**
 * The file module's error codes with their statuses, kept here rather than
 * in the shared table because no other area raises them.
 */
const FILE_ERRORS = {
	FILE_NOT_FOUND: 404,
	FILE_TOO_LARGE: 413,
	QUOTA_EXCEEDED: 413,
	UNSUPPORTED_FILE_TYPE: 415,
	INVALID_MULTIPART: 400,
	EMPTY_FILE: 400,
	BODY_INCOMPLETE: 400,
	PART_SIZE_MISMATCH: 400,
	UPLOAD_INCOMPLETE: 409,
	UPLOAD_EXPIRED: 410,
	RANGE_NOT_SATISFIABLE: 416,
} as const;

export type FileErrorCode = keyof typeof FILE_ERRORS;

/** @example throw fileError("QUOTA_EXCEEDED", "Your storage quota is full"); */
export function fileError(
	code: FileErrorCode,
	message: string,
	options: { details?: unknown; headers?: Record<string, string> } = {},
): ApiError {
	return new ApiError(code, message, { ...options, status: FILE_ERRORS[code] });
}

/** The one answer for "no such file or you may not see it", so existence never leaks. */
export function fileNotFound(): ApiError {
	return new ApiError("NOT_FOUND", "File not found");
}

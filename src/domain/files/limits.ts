import { z } from "zod";

/** What an operator configures for files (vars FILES_MAX_BYTES, FILES_QUOTA_BYTES, FILES_ALLOWED_TYPES). */
export type FileLimits = {
	/** Largest single file, in bytes. */
	maxFileBytes: number;
	/** Total bytes one user may keep (ready files plus open uploads' declared sizes). */
	quotaBytes: number;
	/** Allowed sniffed content types; `type/*` matches a whole family. */
	allowedTypes: string[];
};

/** Production defaults, also the fallback for a var left empty. */
export const DEFAULT_LIMITS: FileLimits = {
	maxFileBytes: 2 * 1024 ** 3,
	quotaBytes: 10 * 1024 ** 3,
	allowedTypes: [
		"image/png",
		"image/jpeg",
		"image/gif",
		"image/webp",
		"image/avif",
		"image/heic",
		"application/pdf",
		"application/zip",
		"application/gzip",
		"audio/*",
		"video/*",
		"text/plain",
	],
};

/** New files (uploads and resumable uploads opened) per user per minute: storage writes are not free. */
export const FILE_CREATE_RATE = { limit: 60, windowS: 60 };

const bytesVar = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * Reads the limits from the Worker's vars; a malformed value fails loudly
 * (a typo must not silently lift a limit).
 *
 * @example const limits = fileLimits(c.env);
 */
export function fileLimits(env: {
	FILES_MAX_BYTES?: string;
	FILES_QUOTA_BYTES?: string;
	FILES_ALLOWED_TYPES?: string;
}) {
	const types = (env.FILES_ALLOWED_TYPES ?? "")
		.split(",")
		.map((t) => t.trim().toLowerCase())
		.filter(Boolean);
	return {
		maxFileBytes: env.FILES_MAX_BYTES ? bytesVar.parse(env.FILES_MAX_BYTES) : DEFAULT_LIMITS.maxFileBytes,
		quotaBytes: env.FILES_QUOTA_BYTES ? bytesVar.parse(env.FILES_QUOTA_BYTES) : DEFAULT_LIMITS.quotaBytes,
		allowedTypes: types.length > 0 ? types : DEFAULT_LIMITS.allowedTypes,
	} satisfies FileLimits;
}

/** @example isAllowedType("audio/ogg", ["audio/*"]) // true */
export function isAllowedType(contentType: string, allowed: string[]): boolean {
	const family = `${contentType.split("/")[0]}/*`;
	return allowed.includes(contentType) || allowed.includes(family) || allowed.includes("*/*");
}

import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { FILE_CREATE_RATE, fileLimits } from "../domain/files/limits";
import type { FileDeps } from "../domain/files/upload";
import { enforceRateLimit } from "../domain/rate-limit";
import type { AppEnv } from "../env";

/** Shared pieces of the /v1/files routes. */
export const fileTags = ["files"];
export const fileSecurity = [{ bearerAuth: [] }];

export const FileId = z
	.string()
	.regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "not a file id")
	.openapi({ param: { name: "id", in: "path" }, example: "019a4c2e-7b1d-7f00-8a11-2b3c4d5e6f70" });

export { FileInfo } from "@hatch/contract/files";

export const UploadState = z
	.object({
		id: z.string(),
		name: z.string(),
		size: z.number().int(),
		part_size: z.number().int(),
		part_count: z.number().int(),
		status: z.literal("uploading"),
		created_at: z.string(),
		expires_at: z.string(),
		parts: z.array(z.object({ part_number: z.number().int(), size: z.number().int(), checksum: z.string() })),
	})
	.openapi("Upload", { description: "A resumable upload and the parts R2 has so far" });

const ErrorBody = z
	.object({ error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }) })
	.openapi("FileError");

/** A documented error response. */
export const err = (description: string) => ({
	description,
	content: { "application/json": { schema: ErrorBody } },
});
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
	description,
	content: { "application/json": { schema } },
});

/** The file module's dependencies for a request. */
export function fileDeps(c: Context<AppEnv>): FileDeps {
	return { db: c.var.db, bucket: c.env.FILES, limits: fileLimits(c.env) };
}

/** Content-Length when the client sent a sane one. */
export function contentLength(c: Context<AppEnv>): number | undefined {
	const raw = c.req.header("Content-Length");
	return raw && /^\d{1,16}$/.test(raw) ? Number(raw) : undefined;
}

/** Counts one new file against the caller's rate (429 RATE_LIMITED past it), before any byte is read. */
export function limitFileCreation(c: Context<AppEnv>): Promise<void> {
	return enforceRateLimit(c.env.RATE_LIMITER, `files:create:${c.var.auth.userId}`, FILE_CREATE_RATE);
}

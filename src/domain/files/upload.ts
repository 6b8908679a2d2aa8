import type { FileRow } from "../../db/schema";
import { newId } from "../../lib/ids";
import type { FilesDb as Db } from "./db";
import { fileError } from "./errors";
import type { FileLimits } from "./limits";
import { insertWithinQuota, quotaUsed, r2KeyOf } from "./repo";
import { storeStream } from "./store";

export type FileDeps = { db: Db; bucket: R2Bucket; limits: FileLimits };

/**
 * Stores one uploaded file (a raw body or the file part of a form) and
 * records it as ready. Limits are checked up front when the length is
 * known, while streaming otherwise, and once more atomically when the row
 * is written; on any failure the blob is removed and no row exists.
 *
 * @example const row = await uploadFile(deps, { ownerId, name, body: req.body, contentLength });
 */
export async function uploadFile(
	deps: FileDeps,
	input: { ownerId: string; name: string; body: ReadableStream<Uint8Array>; contentLength?: number },
): Promise<FileRow> {
	const { maxFileBytes, quotaBytes, allowedTypes } = deps.limits;
	const remaining = Math.max(0, quotaBytes - (await quotaUsed(deps.db, input.ownerId)));
	const tooBig = () => fileError("FILE_TOO_LARGE", `A file may be at most ${maxFileBytes} bytes`);
	const overQuota = () =>
		fileError("QUOTA_EXCEEDED", `Your storage quota (${quotaBytes} bytes) is full`, {
			details: { remaining },
		});
	if (input.contentLength !== undefined && input.contentLength > maxFileBytes) throw tooBig();
	if (input.contentLength !== undefined && input.contentLength > remaining) throw overQuota();

	const id = newId();
	const r2Key = r2KeyOf(input.ownerId, id);
	const blob = await storeStream(deps.bucket, r2Key, input.body, {
		maxBytes: Math.min(maxFileBytes, remaining),
		tooLarge: maxFileBytes <= remaining ? tooBig : overQuota,
		allowedTypes,
		knownLength: input.contentLength,
	});
	const row: FileRow = {
		id,
		ownerId: input.ownerId,
		r2Key,
		name: input.name,
		size: blob.size,
		contentType: blob.contentType,
		sha256: blob.sha256,
		status: "ready",
		uploadId: null,
		partSize: null,
		createdAt: new Date(),
		deletedAt: null,
	};
	const inserted = await insertWithinQuota(deps.db, row, quotaBytes).catch(async (err: unknown) => {
		await deps.bucket.delete(r2Key);
		throw err;
	});
	if (!inserted) {
		await deps.bucket.delete(r2Key);
		throw overQuota();
	}
	return row;
}

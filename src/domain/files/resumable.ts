import { and, asc, eq } from "drizzle-orm";
import { type FileRow, type FileUploadPartRow, files, fileUploadParts } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { fileError, fileNotFound } from "./errors";
import { findOwnFile, insertWithinQuota, r2KeyOf, UPLOAD_TTL_MS } from "./repo";
import { sniffAllowed } from "./store";
import { createMeter, prependStream, toHex } from "./stream";
import type { FileDeps } from "./upload";

/** Default and largest part: one part is one request, and Workers cap request bodies at 100 MB. */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
export const MAX_PART_BYTES = 64 * 1024 * 1024;
/** R2 allows at most 10,000 parts per upload. */
export const MAX_PARTS = 10_000;

export type UploadState = {
	id: string;
	name: string;
	size: number;
	part_size: number;
	part_count: number;
	status: "uploading";
	created_at: string;
	expires_at: string;
	parts: { part_number: number; size: number; checksum: string }[];
};

function state(row: FileRow, parts: FileUploadPartRow[]): UploadState {
	const partSize = row.partSize ?? DEFAULT_PART_BYTES;
	return {
		id: row.id,
		name: row.name,
		size: row.size,
		part_size: partSize,
		part_count: Math.ceil(row.size / partSize),
		status: "uploading",
		created_at: row.createdAt.toISOString(),
		expires_at: new Date(row.createdAt.getTime() + UPLOAD_TTL_MS).toISOString(),
		parts: parts.map((p) => ({ part_number: p.partNumber, size: p.size, checksum: p.sha256 })),
	};
}

/** Size part `n` must have: every part is `part_size` except a shorter last one. */
export function expectedPartSize(size: number, partSize: number, n: number): number {
	const count = Math.ceil(size / partSize);
	return n < count ? partSize : size - (count - 1) * partSize;
}

/**
 * Opens a resumable upload of `size` bytes: checks the size and quota up
 * front (the declared size is reserved until the upload ends) and starts an
 * R2 multipart upload. Nothing is stored if a limit is exceeded.
 *
 * @example const up = await createUpload(deps, { ownerId, name: "video.mp4", size: 1e9 });
 */
export async function createUpload(
	deps: FileDeps,
	input: { ownerId: string; name: string; size: number; partSize?: number },
): Promise<UploadState> {
	const { maxFileBytes, quotaBytes } = deps.limits;
	if (input.size > maxFileBytes)
		throw fileError("FILE_TOO_LARGE", `A file may be at most ${maxFileBytes} bytes`);
	const partSize = input.partSize ?? DEFAULT_PART_BYTES;
	if (Math.ceil(input.size / partSize) > MAX_PARTS) {
		throw new ApiError("VALIDATION_FAILED", `At most ${MAX_PARTS} parts: choose a larger part_size`);
	}
	const id = newId();
	const r2Key = r2KeyOf(input.ownerId, id);
	const upload = await deps.bucket.createMultipartUpload(r2Key);
	const row: FileRow = {
		id,
		ownerId: input.ownerId,
		r2Key,
		name: input.name,
		size: input.size,
		partSize,
		contentType: null,
		sha256: null,
		status: "uploading",
		uploadId: upload.uploadId,
		createdAt: new Date(),
		deletedAt: null,
	};
	if (!(await insertWithinQuota(deps.db, row, quotaBytes))) {
		await upload.abort();
		throw fileError("QUOTA_EXCEEDED", `Your storage quota (${quotaBytes} bytes) is full`);
	}
	return state(row, []);
}

/** The caller's open upload, or 404; an expired one is cleaned up and answers 410. */
async function openUpload(deps: FileDeps, ownerId: string, id: string): Promise<FileRow> {
	const row = await findOwnFile(deps.db, id, ownerId, "uploading");
	if (!row?.uploadId) throw fileNotFound();
	if (row.createdAt.getTime() + UPLOAD_TTL_MS < Date.now()) {
		await discard(deps, row);
		throw fileError("UPLOAD_EXPIRED", "This upload expired; start a new one");
	}
	return row;
}

async function partsOf(deps: FileDeps, fileId: string) {
	return deps.db
		.select()
		.from(fileUploadParts)
		.where(eq(fileUploadParts.fileId, fileId))
		.orderBy(asc(fileUploadParts.partNumber));
}

/** Aborts the R2 upload and forgets the upload entirely: no row, no parts. */
async function discard(deps: FileDeps, row: FileRow): Promise<void> {
	if (row.uploadId)
		await deps.bucket
			.resumeMultipartUpload(row.r2Key, row.uploadId)
			.abort()
			.catch(() => {});
	// Parts go with the file row (ON DELETE CASCADE); deleted explicitly too in case foreign keys are off.
	await deps.db.batch([
		deps.db.delete(fileUploadParts).where(eq(fileUploadParts.fileId, row.id)),
		deps.db.delete(files).where(and(eq(files.id, row.id), eq(files.status, "uploading"))),
	]);
}

/** The upload and the parts stored so far: what a client resuming after a failure asks for. */
export async function getUpload(deps: FileDeps, ownerId: string, id: string): Promise<UploadState> {
	const row = await openUpload(deps, ownerId, id);
	return state(row, await partsOf(deps, id));
}

/**
 * Streams part `n` straight into R2 (never buffered): its length must be
 * exactly what the part size says, it is hashed on the way, and it is
 * recorded only once R2 has it, so an interrupted part is simply missing
 * and is sent again. Part 1's first bytes decide the content type; a type
 * the operator does not allow aborts the whole upload (415).
 *
 * @example await uploadPart(deps, { ownerId, id, partNumber: 2, body: req.body, contentLength });
 */
export async function uploadPart(
	deps: FileDeps,
	input: {
		ownerId: string;
		id: string;
		partNumber: number;
		body: ReadableStream<Uint8Array>;
		contentLength?: number;
	},
): Promise<{ part_number: number; size: number; checksum: string }> {
	const row = await openUpload(deps, input.ownerId, input.id);
	const partSize = row.partSize ?? DEFAULT_PART_BYTES;
	const count = Math.ceil(row.size / partSize);
	if (input.partNumber > count) {
		throw new ApiError("VALIDATION_FAILED", `This upload has ${count} parts`, {
			details: { part_count: count },
		});
	}
	const expected = expectedPartSize(row.size, partSize, input.partNumber);
	const mismatch = () =>
		fileError("PART_SIZE_MISMATCH", `Part ${input.partNumber} must be exactly ${expected} bytes`, {
			details: { expected },
		});
	if (input.contentLength !== undefined && input.contentLength !== expected) throw mismatch();

	const reader = input.body.getReader();
	let head: Uint8Array = new Uint8Array(0);
	let contentType: string | null = null;
	if (input.partNumber === 1) {
		try {
			({ head, contentType } = await sniffAllowed(reader, deps.limits.allowedTypes));
		} catch (err) {
			if (err instanceof ApiError && err.code === "UNSUPPORTED_FILE_TYPE") await discard(deps, row);
			throw err;
		}
	}
	const meter = createMeter(expected, mismatch);
	const body = prependStream(head, reader)
		.pipeThrough(meter.transform)
		.pipeThrough(new FixedLengthStream(expected));
	let part: R2UploadedPart;
	try {
		part = await deps.bucket
			.resumeMultipartUpload(row.r2Key, row.uploadId as string)
			.uploadPart(input.partNumber, body);
	} catch (err) {
		if (meter.error) throw meter.error;
		if (err instanceof ApiError) throw err;
		if (meter.size < expected)
			throw fileError("BODY_INCOMPLETE", `Received ${meter.size} of ${expected} bytes`);
		throw err;
	}
	const sha256 = await meter.sha256();
	const now = new Date();
	const values = {
		fileId: row.id,
		partNumber: input.partNumber,
		size: expected,
		etag: part.etag,
		sha256,
		createdAt: now,
	};
	const record = deps.db
		.insert(fileUploadParts)
		.values(values)
		.onConflictDoUpdate({
			target: [fileUploadParts.fileId, fileUploadParts.partNumber],
			set: { size: values.size, etag: values.etag, sha256, createdAt: now },
		});
	// Only part 1 knows the type; other parts, possibly sent in parallel, must not touch it.
	if (input.partNumber === 1) {
		await deps.db.batch([record, deps.db.update(files).set({ contentType }).where(eq(files.id, row.id))]);
	} else {
		await record;
	}
	return { part_number: input.partNumber, size: expected, checksum: sha256 };
}

/**
 * Joins the parts into the final object once every part is there, hashes
 * the whole file (streamed back from R2) and marks it ready.
 *
 * @example const row = await completeUpload(deps, { ownerId, id });
 */
export async function completeUpload(
	deps: FileDeps,
	input: { ownerId: string; id: string },
): Promise<FileRow> {
	const row = await openUpload(deps, input.ownerId, input.id);
	const partSize = row.partSize ?? DEFAULT_PART_BYTES;
	const count = Math.ceil(row.size / partSize);
	const parts = await partsOf(deps, row.id);
	const have = new Set(parts.map((p) => p.partNumber));
	const missing = Array.from({ length: count }, (_, i) => i + 1).filter((n) => !have.has(n));
	if (missing.length > 0 || !row.contentType) {
		throw fileError("UPLOAD_INCOMPLETE", `Parts missing: ${missing.slice(0, 20).join(", ")}`, {
			details: { missing },
		});
	}
	const upload = deps.bucket.resumeMultipartUpload(row.r2Key, row.uploadId as string);
	try {
		await upload.complete(parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })));
	} catch (err) {
		// A retry after R2 completed but D1 was not updated: the object is already whole.
		const done = await deps.bucket.head(row.r2Key);
		if (done?.size !== row.size) throw err;
	}

	const object = await deps.bucket.get(row.r2Key);
	if (!object) throw new ApiError("INTERNAL", "Completed upload is missing from storage");
	const digest = new crypto.DigestStream("SHA-256");
	await object.body.pipeTo(digest);
	const sha256 = toHex(await digest.digest);

	const [ready] = await deps.db
		.update(files)
		.set({ status: "ready", sha256, uploadId: null, size: object.size })
		.where(and(eq(files.id, row.id), eq(files.status, "uploading")))
		.returning();
	await deps.db.delete(fileUploadParts).where(eq(fileUploadParts.fileId, row.id));
	if (!ready) throw fileNotFound();
	return ready;
}

/** Abandons an upload: R2 drops its parts, and no row is left. */
export async function abortUpload(deps: FileDeps, input: { ownerId: string; id: string }): Promise<void> {
	const row = await findOwnFile(deps.db, input.id, input.ownerId, "uploading");
	if (!row) throw fileNotFound();
	await discard(deps, row);
}

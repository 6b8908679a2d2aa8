import { ApiError } from "../../errors";
import { fileError } from "./errors";
import { isAllowedType } from "./limits";
import { SNIFF_BYTES, sniffContentType } from "./sniff";
import { concatBytes, createMeter, prependStream, readHead } from "./stream";

/** R2's smallest non-final multipart part, and the most a streamed upload of unknown length buffers. */
export const R2_MIN_PART_BYTES = 5 * 1024 * 1024;

export type StoredBlob = { size: number; sha256: string; contentType: string };

/** Sniffs the first bytes and refuses a type the operator does not allow, before anything is stored. */
export async function sniffAllowed(
	reader: ReadableStreamDefaultReader<Uint8Array>,
	allowedTypes: string[],
): Promise<{ head: Uint8Array; contentType: string }> {
	const { head, done } = await readHead(reader, SNIFF_BYTES);
	const contentType = sniffContentType(head, done);
	if (!isAllowedType(contentType, allowedTypes)) {
		await reader.cancel("unsupported type").catch(() => {});
		throw fileError("UNSUPPORTED_FILE_TYPE", `Files of type ${contentType} are not accepted`, {
			details: { contentType },
		});
	}
	return { head, contentType };
}

/**
 * Streams a body into R2 at `key` with bounded memory, sniffing its type
 * first and hashing and counting it on the way. With `knownLength` it is
 * one streamed PUT; otherwise (chunked bodies, a file inside a form) it is
 * cut into 5 MiB R2 multipart parts, so at most one part is held in
 * memory. On any failure nothing is left in R2: a failed PUT stores
 * nothing and a failed multipart upload is aborted.
 *
 * @example const blob = await storeStream(env.FILES, key, req.body, { maxBytes, tooLarge, allowedTypes });
 */
export async function storeStream(
	bucket: R2Bucket,
	key: string,
	body: ReadableStream<Uint8Array>,
	opts: { maxBytes: number; tooLarge: () => ApiError; allowedTypes: string[]; knownLength?: number },
): Promise<StoredBlob> {
	const reader = body.getReader();
	const { head, contentType } = await sniffAllowed(reader, opts.allowedTypes);
	if (head.length === 0) throw fileError("EMPTY_FILE", "The file is empty");
	const meter = createMeter(opts.maxBytes, opts.tooLarge);
	const metered = prependStream(head, reader).pipeThrough(meter.transform);
	try {
		if (opts.knownLength !== undefined) {
			await bucket.put(key, metered.pipeThrough(new FixedLengthStream(opts.knownLength)), {
				httpMetadata: { contentType },
			});
		} else {
			await putInParts(bucket, key, metered, contentType);
		}
	} catch (err) {
		throw meter.error ?? (err instanceof ApiError ? err : asIncomplete(err, meter.size, opts.knownLength));
	}
	return { size: meter.size, sha256: await meter.sha256(), contentType };
}

function asIncomplete(err: unknown, got: number, expected: number | undefined): unknown {
	if (expected !== undefined && got < expected) {
		return fileError("BODY_INCOMPLETE", `Received ${got} of ${expected} bytes`);
	}
	return err;
}

async function putInParts(
	bucket: R2Bucket,
	key: string,
	stream: ReadableStream<Uint8Array>,
	contentType: string,
) {
	const reader = stream.getReader();
	let chunks: Uint8Array[] = [];
	let buffered = 0;
	let upload: R2MultipartUpload | undefined;
	const parts: R2UploadedPart[] = [];
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (value) {
				chunks.push(value);
				buffered += value.length;
			}
			// Every part but the last is exactly R2_MIN_PART_BYTES (R2 wants equal sizes).
			while (buffered >= R2_MIN_PART_BYTES || (done && upload && buffered > 0)) {
				const all = concatBytes(chunks, buffered);
				const take = Math.min(R2_MIN_PART_BYTES, buffered);
				// A copy: R2 may take ownership of the part's buffer.
				chunks = take < buffered ? [all.slice(take)] : [];
				buffered -= take;
				upload ??= await bucket.createMultipartUpload(key, { httpMetadata: { contentType } });
				parts.push(await upload.uploadPart(parts.length + 1, all.subarray(0, take)));
			}
			if (done) break;
		}
		if (upload) await upload.complete(parts);
		else await bucket.put(key, concatBytes(chunks, buffered), { httpMetadata: { contentType } });
	} catch (err) {
		await reader.cancel(err).catch(() => {});
		await upload?.abort().catch(() => {});
		throw err;
	}
}

import { ApiError } from "../../errors";
import { concatBytes } from "../../lib/bytes";
import { fileError } from "./errors";

/** Lowercase hex of a digest. */
export function toHex(buf: ArrayBuffer): string {
	return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export { concatBytes } from "../../lib/bytes";

/** A client that hangs up mid-body shows up as a failed read: name it. */
function incomplete(err: unknown): ApiError {
	if (err instanceof ApiError) return err; // e.g. a malformed form, reported by the form reader
	return fileError("BODY_INCOMPLETE", `The request body ended early (${String(err)})`);
}

/**
 * Reads at least `n` bytes (or to the end) so the content type can be
 * sniffed before anything is stored. `done` says the body ended.
 */
export async function readHead(
	reader: ReadableStreamDefaultReader<Uint8Array>,
	n: number,
): Promise<{ head: Uint8Array; done: boolean }> {
	const chunks: Uint8Array[] = [];
	let size = 0;
	while (size < n) {
		const { value, done } = await reader.read().catch((e: unknown) => {
			throw incomplete(e);
		});
		if (done) return { head: concatBytes(chunks, size), done: true };
		chunks.push(value);
		size += value.length;
	}
	return { head: concatBytes(chunks, size), done: false };
}

/** The bytes already read, then the rest of `reader`, as one stream. */
export function prependStream(head: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>) {
	let headSent = head.length === 0;
	return new ReadableStream<Uint8Array>({
		async pull(ctl) {
			if (!headSent) {
				headSent = true;
				ctl.enqueue(head);
				return;
			}
			const { value, done } = await reader.read().catch((e: unknown) => {
				throw incomplete(e);
			});
			if (done) ctl.close();
			else ctl.enqueue(value);
		},
		cancel: (reason) => reader.cancel(reason),
	});
}

/** Counts and hashes the bytes flowing through; errors the stream past `maxBytes`. */
export type Meter = {
	transform: TransformStream<Uint8Array, Uint8Array>;
	readonly size: number;
	/** The error the meter raised (over the limit), to report instead of the storage's echo of it. */
	readonly error: ApiError | undefined;
	/** Hex SHA-256 of everything that passed; call once the stream has ended. */
	sha256(): Promise<string>;
};

/**
 * A byte-counting, hashing TransformStream: the streaming size limit. It
 * aborts the pipe the moment `maxBytes` is passed, so an oversized upload
 * never reaches storage in full, and nothing is buffered.
 *
 * @example const meter = createMeter(limit, () => fileError("FILE_TOO_LARGE", "…"));
 * await bucket.put(key, body.pipeThrough(meter.transform).pipeThrough(new FixedLengthStream(n)));
 */
export function createMeter(maxBytes: number, tooLarge: () => ApiError): Meter {
	const digest = new crypto.DigestStream("SHA-256");
	const hasher = digest.getWriter();
	let size = 0;
	let error: ApiError | undefined;
	const transform = new TransformStream<Uint8Array, Uint8Array>({
		async transform(chunk, ctl) {
			size += chunk.length;
			if (size > maxBytes) {
				error = tooLarge();
				ctl.error(error);
				return;
			}
			await hasher.write(chunk);
			ctl.enqueue(chunk);
		},
	});
	return {
		transform,
		get size() {
			return size;
		},
		get error() {
			return error;
		},
		async sha256() {
			await hasher.close();
			return toHex(await digest.digest);
		},
	};
}

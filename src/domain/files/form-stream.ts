import { ApiError } from "../../errors";
import { fileError } from "./errors";
import { concatBytes } from "./stream";

/** Largest non-file field or part header block we hold in memory. */
const MAX_FIELD_BYTES = 16 * 1024;

const enc = new TextEncoder();
const CRLF = enc.encode("\r\n");
const HEADER_END = enc.encode("\r\n\r\n");

/** Index of `needle` in `hay` from `from`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array, from = 0): number {
	const first = needle[0] as number;
	const last = hay.length - needle.length;
	for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
		let j = 1;
		while (j < needle.length && hay[i + j] === needle[j]) j++;
		if (j === needle.length) return i;
	}
	return -1;
}

const bad = (why: string) => fileError("INVALID_MULTIPART", `Malformed multipart/form-data body: ${why}`);

/** The boundary of a `multipart/form-data` Content-Type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
	const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
	return m?.[1] ?? m?.[2];
}

/** Content-Disposition parameters; `filename*` (RFC 5987) wins over `filename`. */
function dispositionParams(value: string): { name?: string; filename?: string } {
	const out: Record<string, string> = {};
	for (const m of value.matchAll(/;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g)) {
		const key = (m[1] as string).toLowerCase();
		let v = (m[2] as string).trim();
		if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
		if (key === "filename*") {
			const ext = /^utf-8'[^']*'(.*)$/i.exec(v);
			try {
				if (ext) out.filenameStar = decodeURIComponent(ext[1] as string);
			} catch {}
		} else out[key] = v;
	}
	return { name: out.name, filename: out.filenameStar ?? out.filename };
}

export type FormUpload = {
	/** Text fields that came before the file. */
	fields: Record<string, string>;
	/** The filename the browser sent for the file part. */
	filename: string | undefined;
	/** The file's bytes, streamed; errors if the body ends before the closing boundary. */
	stream: ReadableStream<Uint8Array>;
};

/**
 * Streams the file out of a `multipart/form-data` body (what an HTML form
 * posts) without buffering it: text fields before the file are collected
 * (16 KiB each at most), the file part (`fileField`, or the first part with
 * a filename) is handed back as a stream, and nothing after it is read.
 * The stream errors with INVALID_MULTIPART if the body is truncated, so a
 * cut-off upload never becomes a shorter file.
 *
 * @example const { fields, filename, stream } = await readFormUpload(req.body, req.header("content-type"), "file");
 */
export async function readFormUpload(
	body: ReadableStream<Uint8Array>,
	contentType: string,
	fileField = "file",
): Promise<FormUpload> {
	const boundary = boundaryOf(contentType);
	if (!boundary) throw bad("no boundary in Content-Type");
	const reader = body.getReader();
	const delimiter = enc.encode(`--${boundary}`);
	const bodyEnd = enc.encode(`\r\n--${boundary}`);
	let buf: Uint8Array = new Uint8Array(0);
	let eof = false;

	const more = async (): Promise<void> => {
		if (eof) throw bad("body ended early");
		const { value, done } = await reader.read().catch(() => {
			throw fileError("BODY_INCOMPLETE", "The request body ended early");
		});
		if (done) eof = true;
		else buf = buf.length === 0 ? value : concatBytes([buf, value]);
	};
	/** Waits for `needle` in the first `limit` bytes; returns its index. */
	const find = async (needle: Uint8Array, limit: number): Promise<number> => {
		for (;;) {
			const at = indexOfBytes(buf, needle);
			if (at !== -1 && at <= limit) return at;
			if (buf.length > limit + needle.length) throw bad("a part header or field is too large");
			await more();
		}
	};

	// Preamble, then the first delimiter.
	const first = await find(delimiter, MAX_FIELD_BYTES);
	buf = buf.subarray(first + delimiter.length);
	const fields: Record<string, string> = {};
	for (;;) {
		while (buf.length < 2) await more();
		if (buf[0] === 0x2d && buf[1] === 0x2d) {
			throw new ApiError("VALIDATION_FAILED", `No "${fileField}" file part in the form`);
		}
		const lineEnd = await find(CRLF, 256);
		const headerEnd =
			buf[lineEnd + 2] === 0x0d && buf[lineEnd + 3] === 0x0a
				? lineEnd
				: await find(HEADER_END, MAX_FIELD_BYTES);
		const headerText = new TextDecoder().decode(buf.subarray(lineEnd + 2, headerEnd));
		buf = buf.subarray(headerEnd + 4);
		const disposition = /^content-disposition:\s*(.*)$/im.exec(headerText)?.[1] ?? "";
		const { name, filename } = dispositionParams(disposition);
		if (name === fileField || filename !== undefined) {
			return { fields, filename, stream: partStream() };
		}
		const end = await find(bodyEnd, MAX_FIELD_BYTES);
		if (name) fields[name] = new TextDecoder().decode(buf.subarray(0, end));
		buf = buf.subarray(end + bodyEnd.length);
	}

	function partStream(): ReadableStream<Uint8Array> {
		return new ReadableStream<Uint8Array>({
			async pull(ctl) {
				for (;;) {
					const at = indexOfBytes(buf, bodyEnd);
					if (at !== -1) {
						if (at > 0) ctl.enqueue(buf.slice(0, at));
						ctl.close();
						await reader.cancel().catch(() => {});
						return;
					}
					// Hold back what could be the start of a delimiter split across chunks.
					const safe = buf.length - (bodyEnd.length - 1);
					if (safe > 0) {
						ctl.enqueue(buf.slice(0, safe));
						buf = buf.subarray(safe);
						return;
					}
					if (eof) throw bad("body ended before the closing boundary");
					await more();
				}
			},
			cancel: (reason) => reader.cancel(reason),
		});
	}
}

import { issueCode, ShortName } from "@hatch/contract/names";
import { sanitizeFileName } from "../domain/files/names";
import { ApiError } from "../errors";
import { concatBytes } from "./bytes";

export type Upload = {
	bytes: Uint8Array;
	filename?: string;
	contentType: string;
	fields: Record<string, string>;
};

/**
 * Reads an upload: either the raw request body (Content-Type names the file
 * type) or `multipart/form-data` with the file in `file` (what browsers and
 * Swagger UI send). Refuses more than `maxBytes` with 413 PAYLOAD_TOO_LARGE
 * before buffering it, from Content-Length when given, else while streaming.
 *
 * @example const { bytes, filename } = await readUpload(c.req.raw, 20 * 1024 * 1024);
 */
export async function readUpload(req: Request, maxBytes: number): Promise<Upload> {
	const contentType = req.headers.get("Content-Type") ?? "application/octet-stream";
	const declared = Number(req.headers.get("Content-Length") ?? "0");
	// Multipart adds a little framing around the file itself.
	const slack = /^multipart\//i.test(contentType) ? 64 * 1024 : 0;
	if (declared > maxBytes + slack) throw tooLarge(maxBytes);
	if (!req.body) return { bytes: new Uint8Array(), contentType, fields: {} };
	const raw = await readCapped(req.body, maxBytes + slack);
	if (!/^multipart\/form-data/i.test(contentType)) {
		if (raw.length > maxBytes) throw tooLarge(maxBytes);
		return { bytes: raw, contentType, fields: {} };
	}
	let form: FormData;
	try {
		form = await new Response(raw, { headers: { "Content-Type": contentType } }).formData();
	} catch {
		throw new ApiError("BAD_REQUEST", "The multipart body could not be parsed");
	}
	const file = form.get("file");
	if (!file || typeof file === "string")
		throw new ApiError("VALIDATION_FAILED", "The multipart body needs a `file` part");
	const bytes = new Uint8Array(await file.arrayBuffer());
	if (bytes.length > maxBytes) throw tooLarge(maxBytes);
	const fields: Record<string, string> = {};
	for (const [k, v] of form.entries()) if (typeof v === "string") fields[k] = v;
	return {
		bytes,
		filename: file.name || undefined,
		contentType: file.type || "application/octet-stream",
		fields,
	};
}

async function readCapped(body: ReadableStream<Uint8Array>, cap: number): Promise<Uint8Array> {
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.length;
		if (total > cap) {
			await reader.cancel();
			throw tooLarge(cap);
		}
		chunks.push(value);
	}
	return concatBytes(chunks, total);
}

function tooLarge(max: number): ApiError {
	return new ApiError("PAYLOAD_TOO_LARGE", `The upload exceeds ${max} bytes`);
}

/**
 * The name a multipart upload gives itself: its `name` field, held to the
 * short-name rule (422 UNSAFE_CHARACTERS or VALIDATION_FAILED, as the query
 * parameter would be), else the file's own name with unsafe characters
 * stripped (it comes from a file system), cut to `max` characters.
 *
 * @example const name = query.name ?? uploadName(upload, 100) ?? "sound";
 */
export function uploadName(upload: Upload, max: number): string | undefined {
	if (upload.fields.name !== undefined) {
		const parsed = ShortName(max).safeParse(upload.fields.name);
		if (parsed.success) return parsed.data;
		const own = issueCode(parsed.error.issues[0]);
		throw new ApiError(own ?? "VALIDATION_FAILED", `Invalid name: ${parsed.error.issues[0]?.message ?? ""}`, {
			status: own ? 422 : undefined,
		});
	}
	if (!upload.filename) return undefined;
	return [...sanitizeFileName(upload.filename, "")].slice(0, max).join("") || undefined;
}

import type { FileRow } from "../../db/schema";
import type { Logger } from "../../lib/log";
import { safeDownloadHeaders } from "../../lib/safe-download";
import { fileError, fileNotFound } from "./errors";
import { ifRangeAllows, noneMatch, parseRange } from "./http";

/**
 * The HTTP response for a file the caller may read: streamed from R2 with
 * a strong ETag (its SHA-256), If-None-Match → 304, one Range → 206 (416
 * when unsatisfiable), If-Range, and the safe download headers
 * (lib/safe-download.ts) that stop a browser from running it. Routes and seed adapters share it.
 *
 * @example return serveFile({ bucket: env.FILES, log }, file, c.req.raw, "attachment");
 */
export async function serveFile(
	deps: { bucket: R2Bucket; log?: Logger },
	file: FileRow,
	request: Request,
	disposition: "attachment" | "inline" = "attachment",
): Promise<Response> {
	if (!file.sha256) throw fileNotFound();
	const etag = `"${file.sha256}"`;
	const headers = new Headers({
		...safeDownloadHeaders({ name: file.name, contentType: file.contentType ?? "", disposition }),
		ETag: etag,
		"Last-Modified": file.createdAt.toUTCString(),
		// Revalidate every time: access can be lost (leaving a chat), and a 304 costs one D1 read.
		"Cache-Control": "private, no-cache",
		"Accept-Ranges": "bytes",
	});
	const h = request.headers;
	if (noneMatch(h.get("If-None-Match") ?? undefined, etag))
		return new Response(null, { status: 304, headers });

	const range = ifRangeAllows(h.get("If-Range") ?? undefined, etag)
		? parseRange(h.get("Range") ?? undefined, file.size)
		: undefined;
	if (range === "unsatisfiable") {
		throw fileError("RANGE_NOT_SATISFIABLE", `The file has ${file.size} bytes`, {
			headers: { "Content-Range": `bytes */${file.size}` },
		});
	}
	headers.set("Content-Length", String(range ? range.length : file.size));
	if (range)
		headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${file.size}`);
	const status = range ? 206 : 200;
	if (request.method === "HEAD") return new Response(null, { status, headers });
	const object = await deps.bucket.get(file.r2Key, range ? { range } : undefined);
	if (!object) {
		deps.log?.error("file blob missing", { fileId: file.id });
		throw fileNotFound();
	}
	return new Response(object.body, { status, headers });
}

/**
 * The HTTP details of serving a file: byte ranges (RFC 9110 §14),
 * and entity-tag matching (§13.1.2); the safe headers are in lib/safe-download.ts.
 * Pure functions, so they are tested without a request.
 */

export type ByteRange = { offset: number; length: number };

/**
 * One satisfiable range, "unsatisfiable" (answer 416), or undefined to
 * send the whole file: a malformed header or several ranges are ignored,
 * as RFC 9110 allows, rather than answered with multipart/byteranges.
 *
 * @example parseRange("bytes=0-99", 1000) // { offset: 0, length: 100 }
 */
export function parseRange(
	header: string | undefined,
	size: number,
): ByteRange | "unsatisfiable" | undefined {
	if (!header) return undefined;
	const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
	if (!m) return undefined;
	const [, a = "", b = ""] = m;
	if (a === "" && b === "") return undefined;
	if (a === "") {
		// Suffix range: the last N bytes.
		const n = Number(b);
		if (n === 0 || size === 0) return "unsatisfiable";
		return { offset: Math.max(0, size - n), length: Math.min(n, size) };
	}
	const start = Number(a);
	const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
	if (b !== "" && Number(b) < start) return undefined;
	if (start >= size) return "unsatisfiable";
	return { offset: start, length: end - start + 1 };
}

/** Does an If-None-Match header match `etag`? Weak comparison, lists and `*` included. */
export function noneMatch(header: string | undefined, etag: string): boolean {
	if (!header) return false;
	if (header.trim() === "*") return true;
	const opaque = (t: string) => t.trim().replace(/^W\//, "");
	return header.split(",").some((t) => opaque(t) === opaque(etag));
}

/** Does If-Range allow the range? Only a strong match of our entity tag does (dates are not precise enough). */
export function ifRangeAllows(header: string | undefined, etag: string): boolean {
	return header === undefined || header.trim() === etag;
}

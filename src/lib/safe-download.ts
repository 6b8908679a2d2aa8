/**
 * The headers every download of user content carries (files, attachments,
 * sounds, CSV exports), from one place so no route forgets one: the
 * declared type with `nosniff`, so a browser never guesses a script or page
 * out of it; `attachment` unless inline was asked for an image type a
 * browser only renders; and a CSP that gives any document opened anyway (an
 * HTML or SVG, a PDF with JavaScript) no script, no requests and an opaque
 * origin.
 */

/** No script, no subresource, a unique origin: what a user's document may do on our origin. */
export const USER_CONTENT_CSP = "default-src 'none'; sandbox";

// Raster images only: SVG is a document that can script.
const INLINE_TYPES = /^image\/(png|jpeg|gif|webp|avif)$/;

// RFC 5987 attr-char: everything else is percent-encoded.
const encodeRfc5987 = (s: string) =>
	encodeURIComponent(s).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment` or `inline` with an ASCII `filename` for old clients and a
 * UTF-8 `filename*` (RFC 6266 §4.3) when the name is not plain ASCII.
 *
 * @example contentDisposition("attachment", "отчёт.pdf")
 * // attachment; filename="_____.pdf"; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf
 */
export function contentDisposition(kind: "attachment" | "inline", name: string): string {
	const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
	const plain = `${kind}; filename="${ascii}"`;
	return ascii === name ? plain : `${plain}; filename*=UTF-8''${encodeRfc5987(name)}`;
}

/**
 * Content-Type, X-Content-Type-Options, Content-Disposition and
 * Content-Security-Policy for one download of user content. `inline` is
 * granted only to raster images; anything else is an attachment.
 *
 * @example new Response(obj.body, { headers: { ...safeDownloadHeaders({ name: "a.wav", contentType: "audio/wav" }), ETag: obj.httpEtag } })
 */
export function safeDownloadHeaders(o: {
	name: string;
	contentType: string;
	disposition?: "attachment" | "inline";
}): Record<string, string> {
	const type = o.contentType.toLowerCase().split(";")[0]?.trim() || "application/octet-stream";
	const inline = o.disposition === "inline" && INLINE_TYPES.test(type);
	return {
		"Content-Type": type.startsWith("text/") ? `${type}; charset=utf-8` : type,
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition": contentDisposition(inline ? "inline" : "attachment", o.name),
		"Content-Security-Policy": USER_CONTENT_CSP,
	};
}

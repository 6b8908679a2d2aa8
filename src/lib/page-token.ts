import { ApiError } from "../errors";
import { fromBase64Url, toBase64Url } from "./ids";

/**
 * Turns a list's last cursor (an id, a row number, a phone number) into the
 * opaque `page_token` clients send back. Opaque so a list can change what it
 * orders by without breaking anyone who stored a token.
 *
 * @example encodePageToken("0192f0c4-…") // "MDE5MmYwYzQt…"
 */
export function encodePageToken(cursor: string | number): string {
	return toBase64Url(new TextEncoder().encode(String(cursor)));
}

/**
 * The cursor inside a `page_token`, or 400 VALIDATION_FAILED when the token
 * was not made by {@link encodePageToken} for this kind of list.
 *
 * @example const before = decodePageToken(q.page_token, UUID_CURSOR); // undefined on the first page
 */
export function decodePageToken(token: string | undefined, valid: RegExp): string | undefined {
	if (token === undefined) return undefined;
	try {
		const cursor = new TextDecoder().decode(fromBase64Url(token));
		if (valid.test(cursor)) return cursor;
	} catch {}
	throw new ApiError("VALIDATION_FAILED", "page_token is not valid");
}

/** Cursors that are UUIDs (newId()), e.g. the id of the last row shown. */
export const UUID_CURSOR = /^[0-9a-f-]{36}$/;
/** Cursors that are SQLite integer row ids. */
export const INT_CURSOR = /^\d{1,15}$/;

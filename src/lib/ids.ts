/**
 * Time-ordered ids (UUIDv7, RFC 9562): sortable by creation time, so they
 * double as pagination cursors and keep B-tree inserts at the end.
 *
 * @example newId() // "01937f4c-...-7..."
 */
export function newId(now = Date.now()): string {
	const b = crypto.getRandomValues(new Uint8Array(16));
	// 48 bits of milliseconds, big-endian: the high 16 bits and the low 32 (no BigInt: every request makes ids).
	const high = Math.floor(now / 2 ** 32);
	const low = now >>> 0;
	b[0] = (high >>> 8) & 0xff;
	b[1] = high & 0xff;
	b[2] = low >>> 24;
	b[3] = (low >>> 16) & 0xff;
	b[4] = (low >>> 8) & 0xff;
	b[5] = low & 0xff;
	b[6] = ((b[6] ?? 0) & 0x0f) | 0x70;
	b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
	let s = "";
	for (let i = 0; i < 16; i++) {
		if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
		s += HEX[b[i] ?? 0];
	}
	return s;
}

/** Two lowercase hex digits of each byte value. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Random token of `bytes` bytes, base64url without padding (256 bits by default). */
export function randomToken(bytes = 32): string {
	return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function toBase64Url(data: Uint8Array): string {
	let s = "";
	for (const b of data) s += String.fromCharCode(b);
	return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): Uint8Array {
	const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
	const bin = atob(b64);
	return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Lowercase hex SHA-256 of a string: how tokens and codes are stored. */
export async function sha256Hex(input: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

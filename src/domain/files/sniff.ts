/** How many leading bytes the sniffer looks at. */
export const SNIFF_BYTES = 4096;

type Magic = { type: string; at?: number; bytes: (number | null)[] };

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

// Checked in order; `null` matches any byte. Sources: the WHATWG MIME
// Sniffing standard and each format's specification.
const MAGIC: Magic[] = [
	{ type: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
	{ type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
	{ type: "image/gif", bytes: ascii("GIF87a") },
	{ type: "image/gif", bytes: ascii("GIF89a") },
	{ type: "image/webp", bytes: [...ascii("RIFF"), null, null, null, null, ...ascii("WEBP")] },
	{ type: "audio/wav", bytes: [...ascii("RIFF"), null, null, null, null, ...ascii("WAVE")] },
	{ type: "video/x-msvideo", bytes: [...ascii("RIFF"), null, null, null, null, ...ascii("AVI ")] },
	// "BM" alone matches too much text; require the zero reserved bytes too.
	{ type: "image/bmp", bytes: [...ascii("BM"), null, null, null, null, 0, 0, 0, 0] },
	{ type: "image/tiff", bytes: [0x49, 0x49, 0x2a, 0x00] },
	{ type: "image/tiff", bytes: [0x4d, 0x4d, 0x00, 0x2a] },
	{ type: "image/x-icon", bytes: [0x00, 0x00, 0x01, 0x00] },
	{ type: "application/pdf", bytes: ascii("%PDF-") },
	{ type: "application/zip", bytes: [0x50, 0x4b, 0x03, 0x04] },
	{ type: "application/zip", bytes: [0x50, 0x4b, 0x05, 0x06] },
	{ type: "application/zip", bytes: [0x50, 0x4b, 0x07, 0x08] },
	{ type: "application/gzip", bytes: [0x1f, 0x8b, 0x08] },
	{ type: "application/x-7z-compressed", bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
	{ type: "application/vnd.rar", bytes: ascii("Rar!\x1a\x07") },
	{ type: "audio/mpeg", bytes: ascii("ID3") },
	{ type: "audio/ogg", bytes: ascii("OggS") },
	{ type: "audio/flac", bytes: ascii("fLaC") },
	{ type: "audio/midi", bytes: ascii("MThd") },
	{ type: "video/webm", bytes: [0x1a, 0x45, 0xdf, 0xa3] },
	{ type: "application/x-msdownload", bytes: ascii("MZ") },
	{ type: "application/x-executable", bytes: [0x7f, 0x45, 0x4c, 0x46] },
	{ type: "application/x-mach-binary", bytes: [0xcf, 0xfa, 0xed, 0xfe] },
	{ type: "application/x-mach-binary", bytes: [0xce, 0xfa, 0xed, 0xfe] },
	{ type: "application/x-mach-binary", bytes: [0xfe, 0xed, 0xfa, 0xcf] },
	{ type: "application/java-vm", bytes: [0xca, 0xfe, 0xba, 0xbe] },
	{ type: "application/wasm", bytes: [0x00, 0x61, 0x73, 0x6d] },
	{ type: "application/x-sqlite3", bytes: ascii("SQLite format 3\0") },
];

function matches(head: Uint8Array, m: Magic): boolean {
	const at = m.at ?? 0;
	if (head.length < at + m.bytes.length) return false;
	return m.bytes.every((b, i) => b === null || head[at + i] === b);
}

/** ISO BMFF (`....ftyp<brand>`): MP4, M4A, QuickTime, HEIC, AVIF. */
function isoBmff(head: Uint8Array): string | undefined {
	if (head.length < 12 || String.fromCharCode(...head.subarray(4, 8)) !== "ftyp") return undefined;
	const brand = String.fromCharCode(...head.subarray(8, 12));
	if (brand === "M4A " || brand === "M4B ") return "audio/mp4";
	if (brand === "qt  ") return "video/quicktime";
	if (brand === "avif" || brand === "avis") return "image/avif";
	if (["heic", "heix", "hevc", "hevx", "mif1", "msf1"].includes(brand)) return "image/heic";
	return "video/mp4";
}

/** MPEG audio frame sync (an MP3 without an ID3 tag) vs. AAC ADTS. */
function mpegAudio(head: Uint8Array): string | undefined {
	const [a = 0, b = 0] = head;
	if (a !== 0xff || (b & 0xe0) !== 0xe0) return undefined;
	if ((b & 0x06) === 0) return "audio/aac"; // layer bits 00: ADTS
	return "audio/mpeg";
}

/** Markup a browser would run, told apart from plain text. */
function markup(text: string): string | undefined {
	const t = text
		.replace(/^\ufeff/, "")
		.trimStart()
		.toLowerCase();
	if (/^<(!doctype html|html|head|body|script|iframe|style|title|div|a |p>|h1|table|br|font|b>)/.test(t))
		return "text/html";
	const rest = t.replace(/^(<\?xml[^>]*>\s*|<!--[\s\S]*?-->\s*|<!doctype[^>]*>\s*)*/, "");
	if (rest.startsWith("<svg")) return "image/svg+xml";
	if (t.startsWith("<?xml")) return "application/xml";
	return undefined;
}

/** Text if valid UTF-8 without binary control bytes; a character cut at the end of `head` is fine. */
function utf8Text(head: Uint8Array, complete: boolean): string | undefined {
	for (const b of head)
		if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) return;
	let end = head.length;
	if (!complete) {
		// Back off at most 3 continuation bytes plus their lead byte.
		let i = end - 1;
		while (i >= 0 && end - i <= 4 && (head[i] as number) >= 0x80 && (head[i] as number) < 0xc0) i--;
		if (i >= 0 && (head[i] as number) >= 0xc0) end = i;
	}
	try {
		return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(head.subarray(0, end));
	} catch {
		return undefined;
	}
}

/**
 * The content type of a file from its first bytes (up to {@link SNIFF_BYTES}),
 * never from its name or what the client claims. Unknown binary is
 * `application/octet-stream`; valid UTF-8 text is `text/plain` (or HTML,
 * SVG, XML when it is markup). `complete` says `head` is the whole file.
 *
 * @example sniffContentType(new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d]), true) // "application/pdf"
 */
export function sniffContentType(head: Uint8Array, complete = false): string {
	for (const m of MAGIC) if (matches(head, m)) return m.type;
	const found = isoBmff(head) ?? mpegAudio(head);
	if (found) return found;
	const text = utf8Text(head, complete);
	if (text === undefined) return "application/octet-stream";
	return markup(text) ?? "text/plain";
}

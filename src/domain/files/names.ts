/** Longest stored name, in UTF-8 bytes (what most file systems accept). */
export const MAX_NAME_BYTES = 255;

// C0/C1 controls, DEL, and bidi overrides/isolates: the last turn
// "gnp.exe" into something that displays as "exe.png".
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * A display- and download-safe file name: the last path segment only, no
 * control or bidi characters, no leading/trailing dots or spaces, at most
 * 255 UTF-8 bytes with the extension kept; `fallback` when nothing is left.
 *
 * @example sanitizeFileName("C:\\fakepath\\..\\report\u202Egpj.exe") // "report gpj.exe"
 */
export function sanitizeFileName(raw: string | undefined | null, fallback = "file"): string {
	let name = (raw ?? "").normalize("NFC").replace(UNSAFE, " ");
	name = name.split(/[/\\]/).pop() ?? "";
	name = name.replace(/\s+/g, " ").replace(/^[\s.]+|[\s.]+$/g, "");
	if (!name) return fallback;
	return truncateUtf8(name, MAX_NAME_BYTES);
}

function truncateUtf8(name: string, maxBytes: number): string {
	const enc = new TextEncoder();
	if (enc.encode(name).length <= maxBytes) return name;
	const dot = name.lastIndexOf(".");
	const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
	let stem = name.slice(0, name.length - ext.length);
	const budget = maxBytes - enc.encode(ext).length;
	// Cut by code points so a surrogate pair is never split.
	const points = [...stem].slice(0, budget);
	while (points.length > 0 && enc.encode(points.join("")).length > budget) points.pop();
	stem = points.join("").trimEnd();
	return `${stem}${ext}`;
}

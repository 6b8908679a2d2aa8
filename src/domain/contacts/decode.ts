/**
 * Bytes of an uploaded contact file → text. UTF-8 (with or without BOM) and
 * UTF-16 with a BOM are recognised; anything else must be named by the
 * client (`?encoding=windows-1251` or `charset=` in Content-Type), because
 * guessing between single-byte code pages silently garbles names.
 *
 * @example decodeUpload(bytes, "windows-1251") // { text, encoding: "windows-1251" }
 */
export class EncodingError extends Error {
	readonly code = "CSV_BAD_ENCODING";
}

export function decodeUpload(
	bytes: Uint8Array,
	declared?: string | null,
): { text: string; encoding: string } {
	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
		return { text: strict("utf-8", bytes.subarray(3)), encoding: "utf-8" };
	if (bytes[0] === 0xff && bytes[1] === 0xfe)
		return { text: strict("utf-16le", bytes.subarray(2)), encoding: "utf-16le" };
	if (bytes[0] === 0xfe && bytes[1] === 0xff)
		return { text: strict("utf-16be", bytes.subarray(2)), encoding: "utf-16be" };
	const label = declared?.trim().toLowerCase();
	if (label && label !== "utf-8" && label !== "utf8") {
		let decoder: TextDecoder;
		try {
			decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
		} catch {
			throw new EncodingError(`Unknown or unsupported encoding "${declared}"`);
		}
		try {
			return { text: decoder.decode(bytes), encoding: decoder.encoding };
		} catch {
			throw new EncodingError(`The file is not valid ${decoder.encoding}`);
		}
	}
	return { text: strict("utf-8", bytes), encoding: "utf-8" };
}

function strict(label: string, bytes: Uint8Array): string {
	try {
		return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes);
	} catch {
		throw new EncodingError(
			`The file is not valid ${label.toUpperCase()}; save it as UTF-8 or name its encoding with ?encoding= (e.g. windows-1251)`,
		);
	}
}

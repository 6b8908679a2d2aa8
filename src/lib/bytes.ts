/**
 * Concatenates chunks into one array (`total` when the caller already counted).
 *
 * @example concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]) // Uint8Array [1, 2, 3]
 */
export function concatBytes(
	chunks: Uint8Array[],
	total = chunks.reduce((n, c) => n + c.length, 0),
): Uint8Array {
	const out = new Uint8Array(total);
	let at = 0;
	for (const c of chunks) {
		out.set(c, at);
		at += c.length;
	}
	return out;
}

/**
 * ITU-T G.711 µ-law and A-law, bit-exact with the reference (Sun) implementation
 * that the ITU tables describe. No Node imports: the Worker uses this too.
 */

const BIAS = 0x84;
const ULAW_CLIP = 8159;
const ULAW_SEG_END = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const ALAW_SEG_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: number[]): number {
	let seg = 0;
	while (seg < 8 && value > (ends[seg] ?? 0)) seg++;
	return seg;
}

/** Encode one 16-bit linear sample to µ-law (Sun/CCITT g711.c, 14-bit quantiser). */
export function linearToUlaw(sample: number): number {
	// The arithmetic shift first keeps us bit-exact with the reference for negatives.
	let s = (sample | 0) >> 2;
	let mask: number;
	if (s < 0) {
		s = -s;
		mask = 0x7f;
	} else {
		mask = 0xff;
	}
	if (s > ULAW_CLIP) s = ULAW_CLIP;
	s += BIAS >> 2;
	const seg = segment(s, ULAW_SEG_END);
	if (seg >= 8) return 0x7f ^ mask;
	return ((seg << 4) | ((s >> (seg + 1)) & 0x0f)) ^ mask;
}

/** Decode one µ-law byte to a 16-bit linear sample. */
export function ulawToLinear(code: number): number {
	const u = ~code & 0xff;
	let t = ((u & 0x0f) << 3) + BIAS;
	t <<= (u & 0x70) >> 4;
	return u & 0x80 ? BIAS - t : t - BIAS;
}

/** Encode one 16-bit linear sample to A-law (even bits inverted, as on the wire). */
export function linearToAlaw(sample: number): number {
	// The A-law quantiser works on 13-bit magnitudes.
	let s = (sample | 0) >> 3;
	let mask: number;
	if (s >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		s = -s - 1;
	}
	const seg = segment(s, ALAW_SEG_END);
	if (seg >= 8) return 0x7f ^ mask;
	let aval = seg << 4;
	aval |= seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f;
	return aval ^ mask;
}

/** Decode one A-law byte to a 16-bit linear sample. */
export function alawToLinear(code: number): number {
	const a = (code ^ 0x55) & 0xff;
	let t = (a & 0x0f) << 4;
	const seg = (a & 0x70) >> 4;
	if (seg === 0) t += 8;
	else if (seg === 1) t += 0x108;
	else t = (t + 0x108) << (seg - 1);
	return a & 0x80 ? t : -t;
}

let ulawTable: Uint8Array | undefined;
let alawTable: Uint8Array | undefined;

function table(encode: (s: number) => number): Uint8Array {
	// 64 KiB lookup: converting a minute of audio becomes a memory walk.
	const t = new Uint8Array(65536);
	for (let i = 0; i < 65536; i++) t[i] = encode(i - 32768);
	return t;
}

/** Encode a buffer of 16-bit samples to µ-law bytes. */
export function encodeUlaw(pcm: Int16Array): Uint8Array {
	ulawTable ??= table(linearToUlaw);
	const out = new Uint8Array(pcm.length);
	for (let i = 0; i < pcm.length; i++) out[i] = ulawTable[(pcm[i] ?? 0) + 32768] ?? 0;
	return out;
}

/** Encode a buffer of 16-bit samples to A-law bytes. */
export function encodeAlaw(pcm: Int16Array): Uint8Array {
	alawTable ??= table(linearToAlaw);
	const out = new Uint8Array(pcm.length);
	for (let i = 0; i < pcm.length; i++) out[i] = alawTable[(pcm[i] ?? 0) + 32768] ?? 0;
	return out;
}

/** Decode µ-law bytes to 16-bit samples. */
export function decodeUlaw(bytes: Uint8Array): Int16Array {
	const out = new Int16Array(bytes.length);
	for (let i = 0; i < bytes.length; i++) out[i] = ulawToLinear(bytes[i] ?? 0);
	return out;
}

/** Decode A-law bytes to 16-bit samples. */
export function decodeAlaw(bytes: Uint8Array): Int16Array {
	const out = new Int16Array(bytes.length);
	for (let i = 0; i < bytes.length; i++) out[i] = alawToLinear(bytes[i] ?? 0);
	return out;
}

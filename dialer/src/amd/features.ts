/**
 * What answering-machine detection reads from one 20 ms frame of the far end's
 * G.711 audio: its level (mean absolute amplitude, as Asterisk's AMD() and its
 * silence threshold use) and, when the frame is a pure tone, its frequency (a
 * voicemail beep). Pure and allocation-free per frame: it runs on the media
 * thread for every received packet of a call under detection.
 */
import { alawToLinear, ulawToLinear } from "@hatch/shared/audio/g711";
import { tonePurity } from "./goertzel.ts";

/** One frame's features. */
export interface Frame {
	/** Mean absolute amplitude of the 16-bit samples (silence is below ~256). */
	level: number;
	/** The frequency of a pure tone in the frame (Hz), or 0 when it is not one. */
	toneHz: number;
}

/** Beeps lie in this band (voicemail systems use 400-2000 Hz, most often 1000 Hz). */
export const TONE_BAND = { minHz: 300, maxHz: 3000 } as const;
/** Share of the frame's energy at one frequency above which it is a tone, not speech. */
export const TONE_PURITY = 0.6;
/** Below this level a frame is too quiet to be a beep. */
const TONE_MIN_LEVEL = 256;

const decodeTable = (decode: (code: number) => number) =>
	Int16Array.from({ length: 256 }, (_, c) => decode(c));
const ULAW = decodeTable(ulawToLinear);
const ALAW = decodeTable(alawToLinear);
const SAMPLE_RATE = 8000;
/** One frame's samples, reused (features are read before the next packet arrives). */
const samples = new Float64Array(1024);

/**
 * The features of one G.711 payload; `pt` 0 is µ-law, 8 A-law.
 * @example frameOf(encodeUlaw(beep1k).subarray(0, 160), 0) // → { level: ~5000, toneHz: ~1000 }
 */
export function frameOf(payload: Uint8Array, pt: number): Frame {
	const table = pt === 8 ? ALAW : ULAW;
	const n = Math.min(payload.length, samples.length);
	let sum = 0;
	let crossings = 0;
	let prev = 0;
	for (let i = 0; i < n; i++) {
		const s = table[payload[i]];
		samples[i] = s;
		sum += s < 0 ? -s : s;
		if (i > 0 && s >= 0 !== prev >= 0) crossings++;
		prev = s;
	}
	if (n === 0) return { level: 0, toneHz: 0 };
	const level = sum / n;
	if (level < TONE_MIN_LEVEL) return { level, toneHz: 0 };
	// A sinusoid crosses zero twice a cycle: the crossing rate estimates its frequency,
	// and the Goertzel power there (best of three nearby bins) says whether it is one.
	const estimate = (crossings * SAMPLE_RATE) / (2 * n);
	if (estimate < TONE_BAND.minHz || estimate > TONE_BAND.maxHz) return { level, toneHz: 0 };
	let best = 0;
	let bestHz = 0;
	for (const hz of [estimate - 25, estimate, estimate + 25]) {
		const p = tonePurity(samples, n, hz, SAMPLE_RATE);
		if (p > best) {
			best = p;
			bestHz = hz;
		}
	}
	return { level, toneHz: best >= TONE_PURITY ? bestHz : 0 };
}

/**
 * Down-mix to mono and resample to the 8 kHz G.711 rate. A windowed-sinc
 * low-pass runs during the resample so 44.1 kHz music does not alias into the
 * phone band. No Node imports: the Worker converts uploads with it.
 */
import type { Pcm } from "./wav.ts";

/** Average interleaved channels into one. */
export function toMono(samples: Int16Array, channels: number): Int16Array {
	if (channels === 1) return samples;
	const frames = Math.floor(samples.length / channels);
	const out = new Int16Array(frames);
	for (let f = 0; f < frames; f++) {
		let sum = 0;
		for (let c = 0; c < channels; c++) sum += samples[f * channels + c] ?? 0;
		out[f] = Math.round(sum / channels);
	}
	return out;
}

const ZERO_CROSSINGS = 8;

/**
 * Resample mono 16-bit audio from `from` Hz to `to` Hz.
 * @example resample(pcm44k, 44100, 8000)
 */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
	if (from === to) return input;
	const ratio = from / to;
	const outLen = Math.floor((input.length * to) / from);
	const out = new Int16Array(outLen);
	// When downsampling the filter cutoff follows the output Nyquist rate.
	const cutoff = Math.min(1, to / from) * 0.95;
	const half = Math.ceil(ZERO_CROSSINGS / cutoff);
	for (let i = 0; i < outLen; i++) {
		const centre = i * ratio;
		const base = Math.floor(centre);
		let acc = 0;
		let norm = 0;
		for (let j = base - half + 1; j <= base + half; j++) {
			const x = j - centre;
			const w = sincWindow(x * cutoff, half * cutoff);
			if (j >= 0 && j < input.length) acc += (input[j] ?? 0) * w;
			norm += w;
		}
		const v = norm !== 0 ? acc / norm : 0;
		out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
	}
	return out;
}

function sincWindow(x: number, width: number): number {
	if (Math.abs(x) >= width) return 0;
	const hann = 0.5 + 0.5 * Math.cos((Math.PI * x) / width);
	if (x === 0) return 1;
	const px = Math.PI * x;
	return (Math.sin(px) / px) * hann;
}

/** Any PCM to 8 kHz mono, the only form the RTP sender knows. */
export function toTelephony(pcm: Pcm): Int16Array {
	return resample(toMono(pcm.samples, pcm.channels), pcm.sampleRate, 8000);
}

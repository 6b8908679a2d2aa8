/**
 * RIFF/WAVE reader: PCM 8-bit (unsigned) and 16-bit (signed little-endian), any
 * sample rate, mono or stereo, plus 8 kHz G.711 WAVs (format 6/7) because phone
 * people upload those. No Node imports: the Worker validates uploads with it.
 */
import { AudioError } from "./errors.ts";
import { decodeAlaw, decodeUlaw } from "./g711.ts";

/** Decoded PCM, interleaved when `channels` > 1. */
export interface Pcm {
	sampleRate: number;
	channels: number;
	samples: Int16Array;
}

const FORMAT_PCM = 1;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

/** True when the bytes start like a WAV file (used to pick a decoder). */
export function looksLikeWav(bytes: Uint8Array): boolean {
	return bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WAVE";
}

function ascii(bytes: Uint8Array, at: number, len: number): string {
	let s = "";
	for (let i = at; i < at + len && i < bytes.length; i++) s += String.fromCharCode(bytes[i] ?? 0);
	return s;
}

/** What to do about a WAV Hatch cannot read: every refusal ends with it. */
const REMEDY =
	"Export it again as a WAV (PCM 8 or 16-bit, or G.711; mono or stereo), e.g. `sox in.wav -b 16 out.wav`, or upload an MP3";

/**
 * Parse a WAV file into 16-bit PCM.
 * @throws AudioError with a stable code when the file is not something we can play.
 * @example const { sampleRate, channels, samples } = parseWav(bytes);
 */
export function parseWav(bytes: Uint8Array): Pcm {
	if (bytes.length === 0)
		throw new AudioError("AUDIO_EMPTY", "The audio file is empty: upload a WAV or MP3 with sound in it");
	if (!looksLikeWav(bytes))
		throw new AudioError("AUDIO_UNSUPPORTED_FORMAT", `Not a RIFF/WAVE file. ${REMEDY}`);
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
	let data: Uint8Array | undefined;
	let at = 12;
	// Bounded: every iteration advances by at least 8 bytes.
	while (at + 8 <= bytes.length) {
		const id = ascii(bytes, at, 4);
		const size = view.getUint32(at + 4, true);
		const body = at + 8;
		if (id === "fmt ") {
			if (size < 16 || body + 16 > bytes.length)
				throw new AudioError("AUDIO_MALFORMED", `The WAV's fmt chunk is cut short. ${REMEDY}`);
			let format = view.getUint16(body, true);
			if (format === FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= bytes.length) {
				format = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
			}
			fmt = {
				format,
				channels: view.getUint16(body + 2, true),
				rate: view.getUint32(body + 4, true),
				bits: view.getUint16(body + 14, true),
			};
		} else if (id === "data") {
			// Many encoders write a bogus size for streamed output; take what is there.
			const end = Math.min(bytes.length, body + size);
			data = bytes.subarray(body, end);
			if (fmt) break;
		}
		at = body + size + (size & 1);
	}
	if (!fmt)
		throw new AudioError(
			"AUDIO_MALFORMED",
			`The WAV has no fmt chunk (it does not say how its samples are encoded). ${REMEDY}`,
		);
	if (!data) throw new AudioError("AUDIO_MALFORMED", `The WAV has no data chunk (no samples). ${REMEDY}`);
	const { format, channels, rate, bits } = fmt;
	if (channels < 1 || channels > 2) {
		throw new AudioError(
			"AUDIO_UNSUPPORTED_FORMAT",
			`The WAV has ${channels} channels; only mono or stereo is played. ${REMEDY}`,
		);
	}
	if (rate < 4000 || rate > 192000)
		throw new AudioError(
			"AUDIO_UNSUPPORTED_FORMAT",
			`The WAV's sample rate ${rate} Hz is outside 4,000-192,000 Hz. ${REMEDY}`,
		);
	let samples: Int16Array;
	if (format === FORMAT_PCM && bits === 16) {
		const n = data.length >> 1;
		samples = new Int16Array(n);
		const dv = new DataView(data.buffer, data.byteOffset, n * 2);
		for (let i = 0; i < n; i++) samples[i] = dv.getInt16(i * 2, true);
	} else if (format === FORMAT_PCM && bits === 8) {
		samples = new Int16Array(data.length);
		for (let i = 0; i < data.length; i++) samples[i] = ((data[i] ?? 128) - 128) << 8;
	} else if ((format === FORMAT_ULAW || format === FORMAT_ALAW) && bits === 8) {
		samples = format === FORMAT_ULAW ? decodeUlaw(data) : decodeAlaw(data);
	} else {
		throw new AudioError(
			"AUDIO_UNSUPPORTED_FORMAT",
			`The WAV is encoded as format ${format}, ${bits}-bit, which Hatch does not decode. ${REMEDY}`,
		);
	}
	const frames = Math.floor(samples.length / channels);
	if (frames === 0)
		throw new AudioError("AUDIO_EMPTY", "The WAV has no samples: upload one with sound in it");
	return { sampleRate: rate, channels, samples: samples.subarray(0, frames * channels) };
}

/** Build a 16-bit PCM WAV file (tests, fixtures and the bench use it). */
export function buildWav(
	samples: Int16Array,
	sampleRate: number,
	channels = 1,
	bits: 8 | 16 = 16,
): Uint8Array {
	const bytesPerSample = bits / 8;
	const dataLen = samples.length * bytesPerSample;
	const out = new Uint8Array(44 + dataLen);
	const v = new DataView(out.buffer);
	const put = (at: number, s: string) => {
		for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
	};
	put(0, "RIFF");
	v.setUint32(4, 36 + dataLen, true);
	put(8, "WAVE");
	put(12, "fmt ");
	v.setUint32(16, 16, true);
	v.setUint16(20, FORMAT_PCM, true);
	v.setUint16(22, channels, true);
	v.setUint32(24, sampleRate, true);
	v.setUint32(28, sampleRate * channels * bytesPerSample, true);
	v.setUint16(32, channels * bytesPerSample, true);
	v.setUint16(34, bits, true);
	put(36, "data");
	v.setUint32(40, dataLen, true);
	for (let i = 0; i < samples.length; i++) {
		const sample = samples[i] ?? 0;
		if (bits === 16) v.setInt16(44 + i * 2, sample, true);
		else out[44 + i] = (sample >> 8) + 128;
	}
	return out;
}

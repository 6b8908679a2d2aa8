import { AudioError } from "@hatch/shared/audio/errors";
import { encodeUlaw } from "@hatch/shared/audio/g711";
import { toTelephony } from "@hatch/shared/audio/resample";
import { looksLikeWav, parseWav } from "@hatch/shared/audio/wav";
import { scanMp3 } from "./mp3-frames";

/** Largest sound accepted (bytes) and longest (ms): a campaign message, not an album. */
export const MAX_SOUND_BYTES = 20 * 1024 * 1024;
export const MAX_SOUND_MS = 10 * 60 * 1000;

export type PreparedSound = {
	format: "wav" | "mp3";
	durationMs: number;
	sampleRate: number;
	channels: number;
	/** 8 kHz mono µ-law WAV, ready for RTP; null for MP3 (the dialer decodes and caches it). */
	converted: Uint8Array | null;
};

/** A refused upload: `code` is stable and goes to the client as is. */
export class SoundError extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

/**
 * Validates an uploaded sound and converts WAV to G.711 once, with the same
 * parser, resampler and encoder the dialer uses (dialer/src/audio, pure TS).
 *
 * @example const s = prepareSound(bytes); // { format: "wav", durationMs: 3000, converted: Uint8Array }
 */
export function prepareSound(bytes: Uint8Array): PreparedSound {
	if (bytes.length === 0) throw new SoundError("AUDIO_EMPTY", "The file is empty");
	if (bytes.length > MAX_SOUND_BYTES)
		throw new SoundError("AUDIO_TOO_LARGE", `Sounds are limited to ${MAX_SOUND_BYTES} bytes`);
	if (looksLikeWav(bytes)) {
		let pcm: ReturnType<typeof parseWav>;
		try {
			pcm = parseWav(bytes);
		} catch (err) {
			if (err instanceof AudioError) throw new SoundError(err.code, err.message);
			throw new SoundError("AUDIO_MALFORMED", "The WAV file could not be read");
		}
		const durationMs = Math.round((pcm.samples.length / pcm.channels / pcm.sampleRate) * 1000);
		checkDuration(durationMs);
		const mono8k = toTelephony(pcm);
		if (mono8k.length < 160)
			throw new SoundError("AUDIO_EMPTY", "The sound is shorter than one 20 ms packet");
		return {
			format: "wav",
			durationMs,
			sampleRate: pcm.sampleRate,
			channels: pcm.channels,
			converted: ulawWav(encodeUlaw(mono8k)),
		};
	}
	const mp3 = scanMp3(bytes);
	if (mp3) {
		checkDuration(mp3.durationMs);
		return {
			format: "mp3",
			durationMs: mp3.durationMs,
			sampleRate: mp3.sampleRate,
			channels: mp3.channels,
			converted: null,
		};
	}
	throw new SoundError("AUDIO_UNSUPPORTED_FORMAT", "Upload a WAV (PCM or G.711) or MP3 file");
}

function checkDuration(ms: number): void {
	if (ms < 20) throw new SoundError("AUDIO_EMPTY", "The sound is shorter than one 20 ms packet");
	if (ms > MAX_SOUND_MS)
		throw new SoundError("AUDIO_TOO_LONG", `Sounds are limited to ${MAX_SOUND_MS / 1000} s`);
}

/** Wraps µ-law bytes in a WAV header (format 7, 8 kHz, mono), which the dialer reads directly. */
export function ulawWav(data: Uint8Array): Uint8Array {
	const out = new Uint8Array(44 + data.length);
	const v = new DataView(out.buffer);
	const put = (at: number, s: string) => {
		for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
	};
	put(0, "RIFF");
	v.setUint32(4, 36 + data.length, true);
	put(8, "WAVE");
	put(12, "fmt ");
	v.setUint32(16, 16, true);
	v.setUint16(20, 7, true);
	v.setUint16(22, 1, true);
	v.setUint32(24, 8000, true);
	v.setUint32(28, 8000, true);
	v.setUint16(32, 1, true);
	v.setUint16(34, 8, true);
	put(36, "data");
	v.setUint32(40, data.length, true);
	out.set(data, 44);
	return out;
}

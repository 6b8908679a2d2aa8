/**
 * MP3 (MPEG layer I/II/III) decoding through mpg123 compiled to wasm. Kept in
 * its own file so the Node-free modules never pull the decoder in, and loaded
 * on the first MP3: compiling it cost the conversion thread's start-up most of
 * its ~145 ms of CPU, which a WAV-only dialer never needs.
 */
import { AudioError } from "@hatch/shared/audio/errors";
import type { Pcm } from "@hatch/shared/audio/wav";

const CHUNK = 16 * 1024;

/** True for an ID3 tag or an MPEG frame sync at the start. */
export function looksLikeMp3(bytes: Uint8Array): boolean {
	if (bytes.length < 4) return false;
	if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) return true; // "ID3"
	return bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0;
}

/**
 * Decode an MP3 file to 16-bit PCM (channels interleaved).
 * @throws AudioError AUDIO_MALFORMED when nothing decodes.
 */
export async function decodeMp3(bytes: Uint8Array): Promise<Pcm> {
	const { MPEGDecoder } = await import("mpg123-decoder");
	const decoder = new MPEGDecoder();
	try {
		await decoder.ready;
		const parts: Float32Array[][] = [];
		let rate = 0;
		let total = 0;
		// Feed in chunks: the wasm heap is small and fixed.
		for (let at = 0; at < bytes.length; at += CHUNK) {
			const r = decoder.decode(bytes.subarray(at, at + CHUNK));
			if (r.samplesDecoded > 0) {
				parts.push(r.channelData);
				rate = r.sampleRate;
				total += r.samplesDecoded;
			}
		}
		if (total === 0 || rate === 0)
			throw new AudioError("AUDIO_MALFORMED", "no MPEG audio frames could be decoded");
		const channels = Math.min(2, parts[0].length);
		const samples = new Int16Array(total * channels);
		let frame = 0;
		for (const chans of parts) {
			const n = chans[0].length;
			for (let i = 0; i < n; i++, frame++) {
				for (let c = 0; c < channels; c++) {
					const v = (chans[c] ?? chans[0])[i];
					samples[frame * channels + c] = v >= 1 ? 32767 : v <= -1 ? -32768 : Math.round(v * 32767);
				}
			}
		}
		return { sampleRate: rate, channels, samples: samples.subarray(0, frame * channels) };
	} catch (err) {
		if (err instanceof AudioError) throw err;
		throw new AudioError("AUDIO_MALFORMED", `MP3 decode failed: ${(err as Error).message}`);
	} finally {
		decoder.free();
	}
}

import { AudioError } from "@hatch/shared/audio/errors";
import { toMono, toTelephony } from "@hatch/shared/audio/resample";
import { buildWav, parseWav } from "@hatch/shared/audio/wav";
import { describe, expect, it } from "vitest";
import { prepareAudio } from "../../src/audio/store.ts";

function tone(rate: number, seconds: number, hz: number, channels = 1): Int16Array {
	const frames = Math.round(rate * seconds);
	const out = new Int16Array(frames * channels);
	for (let f = 0; f < frames; f++)
		for (let c = 0; c < channels; c++)
			out[f * channels + c] = Math.round(Math.sin((2 * Math.PI * hz * f) / rate) * 16000);
	return out;
}

function rms(x: Int16Array): number {
	let s = 0;
	for (const v of x) s += v * v;
	return Math.sqrt(s / x.length);
}

describe("WAV", () => {
	it("parses 16-bit mono 8 kHz", () => {
		const pcm = parseWav(buildWav(tone(8000, 0.5, 440), 8000));
		expect(pcm).toMatchObject({ sampleRate: 8000, channels: 1 });
		expect(pcm.samples.length).toBe(4000);
	});
	it("parses 8-bit unsigned", () => {
		const pcm = parseWav(buildWav(tone(8000, 0.1, 440), 8000, 1, 8));
		expect(pcm.samples.length).toBe(800);
		expect(Math.abs(pcm.samples[0])).toBeLessThan(256);
	});
	it("parses 16-bit stereo 44.1 kHz and converts to 8 kHz mono keeping a 440 Hz tone", () => {
		const pcm = parseWav(buildWav(tone(44100, 1, 440, 2), 44100, 2));
		expect(pcm).toMatchObject({ sampleRate: 44100, channels: 2 });
		expect(toMono(pcm.samples, 2).length).toBe(44100);
		const out = toTelephony(pcm);
		expect(out.length).toBe(8000);
		expect(rms(out.subarray(100, 7900))).toBeGreaterThan(16000 * 0.65);
	});
	it("filters content above 4 kHz instead of aliasing it", () => {
		const out = toTelephony({ sampleRate: 44100, channels: 1, samples: tone(44100, 1, 6000) });
		expect(rms(out.subarray(100, 7900))).toBeLessThan(16000 * 0.1);
	});
	it("prepares G.711 of the right length", async () => {
		const a = await prepareAudio(buildWav(tone(16000, 1.0, 300), 16000));
		expect(a.pcmu.length).toBe(8000);
		expect(a.pcma.length).toBe(8000);
		expect(a.durationMs).toBe(1000);
	});

	const refuse = async (bytes: Uint8Array, code: string) => {
		const err = await prepareAudio(bytes).catch((e) => e);
		expect(err).toBeInstanceOf(AudioError);
		expect(err.code).toBe(code);
	};
	it("refuses bad files with clear codes", async () => {
		await refuse(new Uint8Array(0), "AUDIO_EMPTY");
		await refuse(new TextEncoder().encode("hello, this is not audio"), "AUDIO_UNSUPPORTED_FORMAT");
		const wav = buildWav(tone(8000, 0.1, 440), 8000);
		await refuse(wav.subarray(0, 30), "AUDIO_MALFORMED");
		const float = wav.slice();
		new DataView(float.buffer).setUint16(20, 3, true); // IEEE float
		await refuse(float, "AUDIO_UNSUPPORTED_FORMAT");
		const five = wav.slice();
		new DataView(five.buffer).setUint16(22, 5, true);
		await refuse(five, "AUDIO_UNSUPPORTED_FORMAT");
		await refuse(buildWav(new Int16Array(10), 8000), "AUDIO_EMPTY");
	});
	it("says what to do about a WAV without a fmt chunk", async () => {
		const wav = buildWav(tone(8000, 0.1, 440), 8000);
		const noFmt = wav.slice();
		noFmt.set(new TextEncoder().encode("junk"), 12); // the fmt chunk's id
		const err = await prepareAudio(noFmt).catch((e) => e);
		expect(err.code).toBe("AUDIO_MALFORMED");
		expect(err.message).toMatch(/no fmt chunk/);
		expect(err.message).toMatch(/Export it again as a WAV .*or upload an MP3/);
	});
	it("decodes MP3 (synthetic MPEG-1 Layer III frames of silence) to 8 kHz G.711", async () => {
		// 128 kbit/s, 44.1 kHz: 417-byte frames; zero side info decodes to 1152 silent samples.
		const frame = new Uint8Array(417);
		frame.set([0xff, 0xfb, 0x90, 0x00]);
		const mp3 = new Uint8Array(417 * 40);
		for (let i = 0; i < 40; i++) mp3.set(frame, i * 417);
		const a = await prepareAudio(mp3);
		expect(Math.abs(a.durationMs - (40 * 1152 * 1000) / 44100)).toBeLessThan(30);
		expect(a.pcmu.every((b) => b === 0xff || b === 0x7f)).toBe(true); // µ-law silence
	});
	it("refuses a file that only looks like MP3", async () => {
		await refuse(Uint8Array.of(0xff, 0xfb, 0x90, 0x00, ...new Uint8Array(100)), "AUDIO_MALFORMED");
	});
});

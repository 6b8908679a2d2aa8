/**
 * Sound conversion on its own thread: the same result as prepareAudio, error
 * codes that survive the thread boundary, requests kept apart, a closed
 * converter failing what it held, and the point of it all: the main thread's
 * timers keep firing while a long file converts (they do not when the same
 * conversion runs on the main thread, which the last test also shows).
 */

import { AudioError } from "@hatch/shared/audio/errors";
import { buildWav } from "@hatch/shared/audio/wav";
import { afterEach, describe, expect, it } from "vitest";
import { AudioConverter } from "../../src/audio/converter.ts";
import { prepareAudio } from "../../src/audio/store.ts";
import { shareSound } from "../../src/rtp/media-channel.ts";

const converters: AudioConverter[] = [];
afterEach(async () => {
	await Promise.all(converters.splice(0).map((c) => c.close()));
});

function converter(): AudioConverter {
	const c = new AudioConverter();
	converters.push(c);
	return c;
}

const tone = (seconds: number, rate: number, channels = 1) => {
	const pcm = new Int16Array(seconds * rate * channels);
	for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(Math.sin(i / 17) * 8000);
	return buildWav(pcm, rate, channels);
};

/** Timer ticks (every 5 ms) that fired while `work` ran. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
	let ticks = 0;
	const timer = setInterval(() => ticks++, 5);
	try {
		await work();
	} finally {
		clearInterval(timer);
	}
	return ticks;
}

describe("audio converter (off the main thread)", () => {
	it("gives exactly what prepareAudio gives", async () => {
		const wav = tone(2, 16000);
		const [off, on] = [await converter().prepare(wav), await prepareAudio(wav)];
		expect(off.durationMs).toBe(on.durationMs);
		expect(off.hash).toBe(on.hash);
		expect(Buffer.from(off.pcmu).equals(Buffer.from(on.pcmu))).toBe(true);
		expect(Buffer.from(off.pcma).equals(Buffer.from(on.pcma))).toBe(true);
		// Over shared memory already: the media thread plays it without another copy (shareSound).
		expect([
			off.pcmu.buffer instanceof SharedArrayBuffer,
			off.pcma.buffer instanceof SharedArrayBuffer,
		]).toEqual([true, true]);
		expect(shareSound(off.pcmu)).toBe(off.pcmu);
	});

	it("refuses a bad file with the same AudioError code", async () => {
		const c = converter();
		for (const [bytes, code] of [
			[new Uint8Array(0), "AUDIO_EMPTY"],
			[new TextEncoder().encode("not a sound at all, just text"), "AUDIO_UNSUPPORTED_FORMAT"],
			[tone(1, 8000).subarray(0, 30), "AUDIO_MALFORMED"],
		] as const) {
			const err = await c.prepare(bytes).catch((e) => e);
			expect(err).toBeInstanceOf(AudioError);
			expect([err.code, err.message]).toEqual([code, (await prepareAudio(bytes).catch((e) => e)).message]);
		}
	});

	it("keeps concurrent requests apart", async () => {
		const c = converter();
		const [a, b] = await Promise.all([c.prepare(tone(1, 8000)), c.prepare(tone(3, 8000))]);
		expect([a.durationMs, b.durationMs]).toEqual([1000, 3000]);
	});

	it("fails what it held when closed, and works again afterwards", async () => {
		const c = converter();
		const held = c.prepare(tone(60, 44100, 2));
		await c.close();
		await expect(held).rejects.toThrow(/closed/);
		expect((await c.prepare(tone(1, 8000))).durationMs).toBe(1000);
	});

	it("leaves the main thread free while a long sound converts", async () => {
		const wav = tone(60, 44100, 2);
		const c = converter();
		await c.prepare(tone(1, 8000)); // thread started and warm
		const off = await ticksDuring(() => c.prepare(wav));
		const on = await ticksDuring(() => prepareAudio(wav));
		// ~1.4 s of work: hundreds of 5 ms ticks can fire beside it, none while it blocks the loop.
		expect(off).toBeGreaterThan(20);
		expect(on).toBeLessThanOrEqual(2);
	});
});

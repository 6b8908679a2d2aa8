/**
 * Answering-machine detection, pure: features of real G.711 frames (a beep is a
 * tone, speech-like audio and noise are not) and the decision rules driven by
 * frame sequences (human after a short greeting and a pause, machine on a long
 * greeting, many words or a beep, unknown on silence or no decision in time,
 * and the end of a machine's greeting).
 */
import { encodeAlaw, encodeUlaw } from "@hatch/shared/audio/g711";
import { describe, expect, it } from "vitest";
import { AMD_DEFAULTS, type AmdEffect, type AmdState, startAmd, stepAmd } from "../../src/amd/detector.ts";
import { frameOf } from "../../src/amd/features.ts";

const RATE = 8000;
const tone = (hz: number, n = 160, amp = 6000) =>
	Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / RATE)));
/** A vowel-like sound: a 140 Hz voice with falling harmonics. */
const vowel = (n = 160) =>
	Int16Array.from({ length: n }, (_, i) => {
		let v = 0;
		for (let h = 1; h <= 12; h++) v += (4000 / h) * Math.sin((2 * Math.PI * 140 * h * i) / RATE + h);
		return Math.round(v);
	});
let seed = 7;
const noise = (n = 160, amp = 3000) =>
	Int16Array.from({ length: n }, () => {
		seed = (seed * 1103515245 + 12345) & 0x7fffffff;
		return Math.round(((seed / 0x7fffffff) * 2 - 1) * amp);
	});

describe("amd features", () => {
	it("finds the frequency of a beep in µ-law and A-law frames", () => {
		for (const hz of [440, 1000, 1400, 2000]) {
			expect(Math.abs(frameOf(encodeUlaw(tone(hz)), 0).toneHz - hz)).toBeLessThanOrEqual(30);
			expect(Math.abs(frameOf(encodeAlaw(tone(hz)), 8).toneHz - hz)).toBeLessThanOrEqual(30);
		}
	});

	it("does not take speech-like sound, noise or silence for a tone", () => {
		expect(frameOf(encodeUlaw(vowel()), 0).toneHz).toBe(0);
		expect(frameOf(encodeUlaw(noise()), 0).toneHz).toBe(0);
		const quiet = frameOf(encodeUlaw(new Int16Array(160)), 0);
		expect(quiet.toneHz).toBe(0);
		expect(quiet.level).toBeLessThan(AMD_DEFAULTS.silenceLevel);
		expect(frameOf(encodeUlaw(vowel()), 0).level).toBeGreaterThan(AMD_DEFAULTS.silenceLevel);
	});
});

/** A script: [ms, "voice" | "silence" | hz of a tone] pieces, fed as 20 ms frames. */
function run(script: Array<[number, "voice" | "silence" | number]>, tickTo?: number) {
	let s: AmdState = startAmd();
	const effects: AmdEffect[] = [];
	let at = 0;
	const apply = (ev: Parameters<typeof stepAmd>[1]) => {
		const r = stepAmd(s, ev);
		s = r.state;
		effects.push(...r.effects);
	};
	for (const [ms, what] of script)
		for (let t = 0; t < ms; t += 20) {
			at += 20;
			const level = what === "silence" ? 40 : 3000;
			apply({ kind: "frame", at, level, toneHz: typeof what === "number" ? what : 0 });
		}
	if (tickTo !== undefined) apply({ kind: "tick", at: tickTo });
	return { state: s, effects, decided: effects.find((e) => e.kind === "decided") };
}

describe("amd decisions", () => {
	it("a short greeting and a pause is a human, decided in the pause, never mid-word", () => {
		const r = run([
			[400, "silence"],
			[500, "voice"], // "Hello?"
			[1200, "silence"],
		]);
		expect(r.decided).toMatchObject({ result: "human" });
		// 400 + 500 of greeting, then the 800 ms pause.
		expect(r.decided?.ms).toBe(1700);
		expect(r.state.phase).toBe("done");
	});

	it("two short phrases with a pause under 800 ms are still a human", () => {
		const r = run([
			[300, "silence"],
			[300, "voice"],
			[300, "silence"],
			[600, "voice"],
			[900, "silence"],
		]);
		expect(r.decided).toMatchObject({ result: "human" });
	});

	it("a long greeting is a machine, as soon as it passes 1.5 s", () => {
		const r = run([
			[300, "silence"],
			[2500, "voice"],
		]);
		expect(r.decided).toMatchObject({ result: "machine", reason: "long greeting" });
		expect(r.decided?.ms).toBeGreaterThanOrEqual(1800);
		expect(r.decided?.ms).toBeLessThanOrEqual(1820);
	});

	it("many short words before any pause is a machine", () => {
		const words: Array<[number, "voice" | "silence"]> = [];
		for (let i = 0; i < 6; i++) words.push([120, "voice"], [100, "silence"]);
		const r = run(words);
		expect(r.decided).toMatchObject({ result: "machine", reason: "too many words" });
	});

	it("a beep is a machine at once", () => {
		const r = run([
			[200, "silence"],
			[200, 1000],
		]);
		expect(r.decided).toMatchObject({ result: "machine", reason: "beep" });
		expect(r.decided?.ms).toBe(300);
	});

	it("silence from the answer is unknown after 2.5 s, even with no packets at all (ticks)", () => {
		expect(run([[3000, "silence"]]).decided).toMatchObject({ result: "unknown", reason: "initial silence" });
		expect(run([], 2600).decided).toMatchObject({ result: "unknown", ms: 2600 });
		expect(run([], 2400).decided).toBeUndefined();
	});

	it("voice that neither stops nor grows past the limits is unknown at 3.5 s", () => {
		// Three short words with pauses under 800 ms: no long greeting, too few words, no pause long enough.
		const r = run([
			[2000, "silence"],
			[100, "voice"],
			[400, "silence"],
			[100, "voice"],
			[400, "silence"],
			[100, "voice"],
			[400, "silence"],
		]);
		expect(r.decided).toMatchObject({ result: "unknown", reason: "no decision in time" });
		expect(r.decided?.ms).toBeLessThanOrEqual(3600);
	});

	it("after a machine, the greeting ends with the beep's end", () => {
		const r = run([
			[2000, "voice"],
			[300, "silence"],
			[400, 1000],
			[200, "silence"],
		]);
		expect(r.decided).toMatchObject({ result: "machine" });
		expect(r.effects.find((e) => e.kind === "greeting_end")).toMatchObject({ reason: "beep", ms: 2720 });
	});

	it("the beep ends where it ends, with the media thread's 100 ms clock ticking between frames and packets late", () => {
		// The script of the test above, as the media thread delivers it: a tick every 100 ms between frames,
		// and under load some frames 30-60 ms late (then bunched). Neither is a pause that ends the beep.
		for (const late of [0, 30, 60]) {
			let s: AmdState = startAmd();
			const effects: AmdEffect[] = [];
			const apply = (ev: Parameters<typeof stepAmd>[1]) => {
				const r = stepAmd(s, ev);
				s = r.state;
				effects.push(...r.effects);
			};
			const frames: [number, number, number][] = [];
			for (let at = 20; at <= 2000; at += 20) frames.push([at, 3000, 0]);
			for (let at = 2020; at <= 2300; at += 20) frames.push([at, 40, 0]);
			for (let at = 2320; at <= 2700; at += 20) frames.push([at, 3000, 1000]);
			for (let at = 2720; at <= 2900; at += 20) frames.push([at, 40, 0]);
			let tick = 7;
			for (const [at, level, toneHz] of frames) {
				// Every fifth frame of the beep comes late, with the ticks that fall meanwhile before it.
				const arrives = toneHz && (at / 20) % 5 === 0 ? at + late : at;
				for (; tick < arrives; tick += 100) apply({ kind: "tick", at: tick });
				apply({ kind: "frame", at: Math.max(arrives, s.at), level, toneHz });
			}
			expect(
				effects.find((e) => e.kind === "greeting_end"),
				`late ${late}`,
			).toMatchObject({ reason: "beep" });
			expect(effects.find((e) => e.kind === "greeting_end")?.ms, `late ${late}`).toBeGreaterThanOrEqual(2720);
		}
	});

	it("a far end that sends nothing after its beep: the beep ends once no frame came for a while", () => {
		const r = run(
			[
				[2000, "voice"],
				[300, "silence"],
				[400, 1000],
			],
			3000,
		);
		expect(r.effects.find((e) => e.kind === "greeting_end")).toMatchObject({ reason: "beep", ms: 3000 });
	});

	it("after a machine with no beep, the greeting ends with 1.5 s of silence (sentence pauses are not it)", () => {
		const r = run([
			[2000, "voice"],
			[600, "silence"],
			[1000, "voice"],
			[1600, "silence"],
		]);
		expect(r.effects.find((e) => e.kind === "greeting_end")).toMatchObject({ reason: "silence", ms: 5100 });
	});

	it("a machine that never stops talking is given up on after the longest wait", () => {
		const r = run([[2000, "voice"]], AMD_DEFAULTS.maxWaitMs + 1600);
		// The tick is silence from the last frame on, so the silence rule ends it first here;
		// without a silence a voice that runs past maxWaitMs is cut by the timeout.
		expect(r.effects.find((e) => e.kind === "greeting_end")).toBeDefined();
		let s = startAmd();
		let end: AmdEffect | undefined;
		for (let at = 20; at <= 40_000 && !end; at += 20) {
			const step = stepAmd(s, { kind: "frame", at, level: 3000, toneHz: 0 });
			s = step.state;
			end = step.effects.find((e) => e.kind === "greeting_end");
		}
		expect(end).toMatchObject({ reason: "timeout" });
	});

	it("changes nothing once done, or for an event from the past", () => {
		const r = run([
			[400, "voice"],
			[900, "silence"],
		]);
		expect(stepAmd(r.state, { kind: "frame", at: 5000, level: 3000, toneHz: 1000 }).effects).toEqual([]);
		const mid = run([[200, "voice"]]).state;
		expect(stepAmd(mid, { kind: "tick", at: 100 })).toEqual({ state: mid, effects: [] });
	});
});

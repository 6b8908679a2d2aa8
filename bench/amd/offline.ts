/**
 * The same greetings judged without a network: the dialer's detector fed the
 * G.711 frames directly (a cross-check of the live run), and the naive baseline
 * the bench compares it with: "more than 2 s of voice in the first 5 s is a
 * machine", decided at 5 s.
 */
import { encodeUlaw } from "@hatch/shared/audio/g711";
import {
	AMD_DEFAULTS,
	type AmdParams,
	type AmdResult,
	startAmd,
	stepAmd,
} from "../../dialer/src/amd/detector.ts";
import { frameOf } from "../../dialer/src/amd/features.ts";

/** A verdict and when it came (ms after the answer). */
export interface Verdict {
	result: AmdResult;
	ms: number;
	reason: string;
}

/** Run the detector over µ-law `audio` frame by frame. */
export function detect(audio: Uint8Array, params: AmdParams = AMD_DEFAULTS): Verdict {
	let s = startAmd();
	for (let i = 0; i * 160 < audio.length; i++) {
		const f = frameOf(audio.subarray(i * 160, (i + 1) * 160), 0);
		const r = stepAmd(s, { kind: "frame", at: (i + 1) * 20, ...f }, params);
		s = r.state;
		const d = r.effects.find((e) => e.kind === "decided");
		if (d && d.kind === "decided") return { result: d.result, ms: d.ms, reason: d.reason };
	}
	return { result: "unknown", ms: (audio.length / 8) | 0, reason: "audio ended" };
}

/** The naive baseline: voice (frames over the silence level) for more than `voiceMs` in the first `windowMs`. */
export function naive(audio: Uint8Array, voiceMs = 2000, windowMs = 5000): Verdict {
	let voiced = 0;
	for (let i = 0; i * 160 < audio.length && (i + 1) * 20 <= windowMs; i++)
		if (frameOf(audio.subarray(i * 160, (i + 1) * 160), 0).level >= AMD_DEFAULTS.silenceLevel) voiced += 20;
	return { result: voiced > voiceMs ? "machine" : "human", ms: windowMs, reason: `${voiced} ms of voice` };
}

export const ulaw = encodeUlaw;

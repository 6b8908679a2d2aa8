/**
 * Answering-machine detection as a pure machine, (state, event) → (state,
 * effects), in the shape of src/domain/calls/machine.ts: the media session
 * feeds it one event per received 20 ms frame and a tick now and then (a far
 * end that sends nothing still runs the clocks), and performs the effects.
 *
 * The rules are Asterisk AMD()'s, with Twilio's answer to silence:
 *   - silence from the answer for `initialSilenceMs`  → unknown (nobody spoke)
 *   - voice, then `afterGreetingSilenceMs` of silence → human ("Hello?" and a pause)
 *   - a greeting longer than `greetingMs`              → machine (a recorded greeting)
 *   - `maxWords` words before that pause               → machine
 *   - a beep (a pure tone for `beepMinMs`)             → machine
 *   - nothing decided after `totalMs`                  → unknown
 * A human is only ever decided in a pause, so nobody is cut off mid-sentence.
 * After a machine the machine keeps listening for the end of its greeting (the
 * beep ending, or `messageEndSilenceMs` of silence, or `maxWaitMs`): the moment
 * a message left on it is heard from its start.
 */

/** Tunables, in milliseconds unless named otherwise. */
export interface AmdParams {
	/** Mean absolute amplitude below which a frame is silence. */
	silenceLevel: number;
	initialSilenceMs: number;
	greetingMs: number;
	afterGreetingSilenceMs: number;
	totalMs: number;
	minWordMs: number;
	betweenWordsSilenceMs: number;
	maxWords: number;
	beepMinMs: number;
	messageEndSilenceMs: number;
	maxWaitMs: number;
}

/** Defaults, tuned on bench/amd's labelled greetings (bench/results/amd.md). */
export const AMD_DEFAULTS: AmdParams = {
	silenceLevel: 256,
	initialSilenceMs: 2500,
	greetingMs: 1500,
	afterGreetingSilenceMs: 800,
	totalMs: 3500,
	minWordMs: 100,
	betweenWordsSilenceMs: 50,
	maxWords: 5,
	beepMinMs: 100,
	messageEndSilenceMs: 1500,
	maxWaitMs: 30_000,
};

/** What the far end is. */
export type AmdResult = "human" | "machine" | "unknown";

/** Where the detection is. */
export interface AmdState {
	phase: "listening" | "machine" | "done";
	/** Time of the last event (ms since listening started). */
	at: number;
	/**
	 * How far the far end's audio is accounted for: a frame covers the 20 ms up
	 * to its arrival, and silence is only the time no frame covers, so a tick
	 * between two frames, or a frame a little late, is not a pause.
	 */
	heard: number;
	/** When the last frame arrived. */
	lastFrame: number;
	/** When the first word started, once one has, and the last voiced frame. */
	voiceStart?: number;
	lastVoice: number;
	words: number;
	/** Voiced time in the current word, and silence since the last voiced frame. */
	wordMs: number;
	silenceMs: number;
	/** The tone being heard (Hz) and for how long. */
	toneHz: number;
	toneMs: number;
	/** Beeps heard to their end, and how many of them had ended at the decision. */
	beeps: number;
	beepsBefore: number;
	decidedAt?: number;
}

/** One 20 ms frame's features (features.ts), or the passing of time. */
export type AmdEvent =
	| { kind: "frame"; at: number; level: number; toneHz: number }
	| { kind: "tick"; at: number };

/** What the session does. */
export type AmdEffect =
	| { kind: "decided"; result: AmdResult; ms: number; reason: string }
	| { kind: "greeting_end"; ms: number; reason: "beep" | "silence" | "timeout" };

const FRAME_MS = 20;
/**
 * A tone ends at a frame that is not it, or after this long without frames
 * (a far end that sends nothing after its beep); a shorter gap is a late or
 * lost packet (jitter, a busy host), not the beep's end.
 */
const TONE_BREAK_MS = 200;
/** Two tone frames belong to one beep when their frequencies are this close (Hz). */
const SAME_TONE_HZ = 60;

/** Detection from the answer. */
export const startAmd = (): AmdState => ({
	phase: "listening",
	at: 0,
	heard: 0,
	lastFrame: 0,
	lastVoice: 0,
	words: 0,
	wordMs: 0,
	silenceMs: 0,
	toneHz: 0,
	toneMs: 0,
	beeps: 0,
	beepsBefore: 0,
});

/**
 * One step.
 * @example let s = startAmd(); ({ state: s, effects } = stepAmd(s, { kind: "tick", at: 2600 })) // unknown: initial silence
 */
export function stepAmd(
	state: AmdState,
	ev: AmdEvent,
	p: AmdParams = AMD_DEFAULTS,
): { state: AmdState; effects: AmdEffect[] } {
	if (state.phase === "done" || ev.at < state.at) return { state, effects: [] };
	const s: AmdState = { ...state };
	// Time no frame covers (a far end that suppresses silence) is silence.
	const gap = Math.max(0, ev.at - FRAME_MS - state.heard);
	s.at = ev.at;
	s.heard = ev.kind === "frame" ? ev.at : Math.max(state.heard, ev.at - FRAME_MS);
	if (gap > 0) {
		silence(s, gap, p);
		if (ev.at - state.lastFrame >= TONE_BREAK_MS) endTone(s, p);
	}
	if (ev.kind === "frame") {
		s.lastFrame = ev.at;
		frame(s, ev.level, ev.toneHz, p);
	}
	const effects: AmdEffect[] = [];
	if (s.phase === "listening") {
		const d = decide(s, p);
		if (d) {
			effects.push({ kind: "decided", result: d.result, ms: Math.round(s.at), reason: d.reason });
			s.decidedAt = s.at;
			s.beepsBefore = s.beeps;
			s.phase = d.result === "machine" ? "machine" : "done";
		}
	} else if (s.phase === "machine") {
		const end = greetingEnd(s, p);
		if (end) {
			effects.push({ kind: "greeting_end", ms: Math.round(s.at), reason: end });
			s.phase = "done";
		}
	}
	return { state: s, effects };
}

function silence(s: AmdState, ms: number, p: AmdParams): void {
	s.silenceMs += ms;
	if (s.silenceMs >= p.betweenWordsSilenceMs) s.wordMs = 0;
}

/** The tone (if any) stops here: long enough, it was a beep. */
function endTone(s: AmdState, p: AmdParams): void {
	if (s.toneMs >= p.beepMinMs) s.beeps++;
	s.toneMs = 0;
	s.toneHz = 0;
}

function frame(s: AmdState, level: number, toneHz: number, p: AmdParams): void {
	const sameTone = s.toneMs > 0 && Math.abs(toneHz - s.toneHz) <= SAME_TONE_HZ;
	if (toneHz > 0 && sameTone) s.toneMs += FRAME_MS;
	else {
		endTone(s, p);
		if (toneHz > 0) {
			s.toneMs = FRAME_MS;
			s.toneHz = toneHz;
		}
	}
	if (level < p.silenceLevel) {
		silence(s, FRAME_MS, p);
		return;
	}
	if (s.silenceMs >= p.betweenWordsSilenceMs) s.wordMs = 0;
	s.silenceMs = 0;
	s.lastVoice = s.at;
	s.wordMs += FRAME_MS;
	if (s.wordMs === p.minWordMs) {
		s.words++;
		s.voiceStart ??= s.at - p.minWordMs + FRAME_MS;
	}
}

function decide(s: AmdState, p: AmdParams): { result: AmdResult; reason: string } | undefined {
	if (s.toneMs >= p.beepMinMs || s.beeps > 0) return { result: "machine", reason: "beep" };
	if (s.voiceStart === undefined) {
		if (s.at >= p.initialSilenceMs) return { result: "unknown", reason: "initial silence" };
		return undefined;
	}
	if (s.silenceMs >= p.afterGreetingSilenceMs)
		return { result: "human", reason: "short greeting, then silence" };
	if (s.words >= p.maxWords) return { result: "machine", reason: "too many words" };
	// The greeting's length runs from its first word to its last voiced frame: a pause does not grow it.
	if (s.lastVoice - s.voiceStart >= p.greetingMs) return { result: "machine", reason: "long greeting" };
	if (s.at >= p.totalMs) return { result: "unknown", reason: "no decision in time" };
	return undefined;
}

function greetingEnd(s: AmdState, p: AmdParams): "beep" | "silence" | "timeout" | undefined {
	// A beep is over when its tone stops: the recording starts then.
	if (s.beeps > s.beepsBefore) return "beep";
	if (s.toneMs === 0 && s.silenceMs >= p.messageEndSilenceMs) return "silence";
	if (s.at - (s.decidedAt ?? 0) >= p.maxWaitMs) return "timeout";
	return undefined;
}

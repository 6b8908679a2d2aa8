/**
 * Which sound a call plays, and when, once it is answered: at once, or (with
 * answering-machine detection) after the decision: a human or an unknown far
 * end hears the campaign's sound; a machine is hung up on, or hears the sound
 * (or another one) once its greeting and beep are over. Holds the detection's
 * result for the call's record. No timers or sockets: call.ts performs it.
 */
import type { AmdResult } from "../amd/detector.ts";
import type { PreparedAudio } from "../audio/store.ts";
import type { CallEvent } from "./types.ts";

/**
 * What a call does when detection says machine: hang up, play the campaign's
 * sound after the greeting (its beep), or play `machineAudio` there instead.
 */
export type OnMachine = "hangup" | "play" | "play_other";

/** Detection options of one call. */
export interface AmdOptions {
	onMachine: OnMachine;
	/** The sound for `play_other`. */
	machineAudio?: PreparedAudio;
}

/** What to do next: play a sound, hang up, or nothing yet. */
export type SoundStep = { play: PreparedAudio } | { hangup: string } | undefined;

/** One call's plan. */
export class SoundPlan {
	private readonly audio: PreparedAudio;
	private readonly amd?: AmdOptions;
	/** The sound chosen to play, once one is. */
	current?: PreparedAudio;
	private result?: { result: AmdResult; ms: number };

	constructor(audio: PreparedAudio, amd?: AmdOptions) {
		this.audio = audio;
		this.amd = amd;
	}

	/** On answer: play now, or (undefined) listen first. */
	answered(): SoundStep {
		return this.amd ? undefined : this.choose(this.audio);
	}

	/** Detection decided, `ms` after the answer. */
	decided(result: AmdResult, ms: number): SoundStep {
		if (!this.amd || this.result) return undefined;
		this.result = { result, ms };
		if (result !== "machine") return this.choose(this.audio);
		if (this.amd.onMachine === "hangup") return { hangup: "answering machine" };
		return undefined;
	}

	/** After a machine: its greeting is over, so a message is recorded from its start. */
	greetingEnded(): SoundStep {
		if (!this.amd || this.result?.result !== "machine" || this.current) return undefined;
		if (this.amd.onMachine === "play") return this.choose(this.audio);
		if (this.amd.onMachine === "play_other") return this.choose(this.amd.machineAudio ?? this.audio);
		return undefined;
	}

	/** The record's detection fields: still undecided at the end is unknown, at that time. */
	fields(talkMs: number): Pick<CallEvent, "amd" | "amd_ms"> {
		if (!this.amd) return {};
		return this.result
			? { amd: this.result.result, amd_ms: this.result.ms }
			: { amd: "unknown", amd_ms: talkMs };
	}

	private choose(sound: PreparedAudio): SoundStep {
		this.current = sound;
		return { play: sound };
	}
}

/**
 * One call's answering-machine detection on the media thread: turns the far
 * end's G.711 packets (and the passing of time) into detector events and hands
 * the decisions to the session's owner. Starts at the answer (listen()).
 */
import { type AmdEvent, type AmdResult, type AmdState, startAmd, stepAmd } from "./detector.ts";
import { frameOf } from "./features.ts";

/** Who hears the outcome. */
export interface AmdEvents {
	amd(result: AmdResult, ms: number, reason: string): void;
	greetingEnd(ms: number, reason: string): void;
}

/** Detection for one call, from `startedAt` (monotonic ms). */
export class AmdListener {
	private state: AmdState = startAmd();
	private readonly startedAt: number;
	private readonly events: AmdEvents;

	constructor(startedAt: number, events: AmdEvents) {
		this.startedAt = startedAt;
		this.events = events;
	}

	/** Still listening (a decision or a greeting's end is to come). */
	get active(): boolean {
		return this.state.phase !== "done";
	}

	/** A G.711 payload (`pt` 0 µ-law, 8 A-law) arrived at `now`. */
	frame(payload: Uint8Array, pt: number, now: number): void {
		if (this.active) this.step({ kind: "frame", at: now - this.startedAt, ...frameOf(payload, pt) });
	}

	/** Time passes with or without packets; returns whether still listening. */
	tick(now: number): boolean {
		if (this.active) this.step({ kind: "tick", at: now - this.startedAt });
		return this.active;
	}

	private step(ev: AmdEvent): void {
		const { state, effects } = stepAmd(this.state, ev);
		this.state = state;
		for (const e of effects) {
			if (e.kind === "decided") this.events.amd(e.result, e.ms, e.reason);
			else this.events.greetingEnd(e.ms, e.reason);
		}
	}
}

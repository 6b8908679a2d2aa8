/**
 * The recent events of every call, kept so that a control client whose
 * WebSocket dropped can resume where it left off (at-least-once delivery on
 * /events, as the callback URL has by retrying). Each event gets an `event_id`
 * that grows by one per event for the life of the process; `stream` names
 * that life, so a client resuming against a restarted dialer learns it missed
 * events it cannot get back. Bounded by count and age.
 */
import { randomUUID } from "node:crypto";
import type { DialerEventFrame } from "@hatch/contract/dialer";
import type { CallEvent } from "../call/types.ts";

/** One logged event, as sent. */
export interface LoggedEvent {
	id: number;
	/** When it was logged (ms, monotonic enough: Date.now). */
	at: number;
	/** The JSON frame: the event with its `event_id`. */
	frame: string;
}

/** What a resuming client gets. */
export interface Replay {
	events: LoggedEvent[];
	/** `complete`: nothing after `after` was lost; `partial`: some was (too old, or another stream). */
	state: "complete" | "partial";
}

export interface EventLogLimits {
	maxEvents: number;
	maxAgeMs: number;
}

/** Ten minutes, and at most 100,000 events (~20 MB of frames). */
export const DEFAULT_LIMITS: EventLogLimits = { maxEvents: 100_000, maxAgeMs: 10 * 60_000 };

/** The retained events, oldest first. */
export class EventLog {
	readonly stream = randomUUID();
	private readonly limits: EventLogLimits;
	private readonly now: () => number;
	private entries: LoggedEvent[] = [];
	/** Index of the oldest retained entry (entries before it are dropped lazily). */
	private head = 0;
	private nextId = 1;

	constructor(limits: EventLogLimits = DEFAULT_LIMITS, now: () => number = Date.now) {
		this.limits = limits;
		this.now = now;
	}

	/** The id the next event will get (so `lastId` is this minus one). */
	get lastId(): number {
		return this.nextId - 1;
	}

	/** Log `event` and return it as sent. */
	append(event: CallEvent): LoggedEvent {
		const id = this.nextId++;
		const frame: DialerEventFrame = { ...event, event_id: id };
		const entry = { id, at: this.now(), frame: JSON.stringify(frame) };
		this.entries.push(entry);
		this.trim();
		return entry;
	}

	/**
	 * The events after `after` of stream `stream`. Another stream (the dialer
	 * restarted) or an `after` older than the log gives what is left, `partial`.
	 * @example log.since(41, log.stream) // → { events: [#42, #43], state: "complete" }
	 */
	since(after: number, stream: string): Replay {
		this.trim();
		const oldest = this.entries[this.head]?.id ?? this.nextId;
		if (stream !== this.stream) return { events: this.entries.slice(this.head), state: "partial" };
		const from = Math.max(after + 1, oldest);
		const events = this.entries.slice(this.head + (from - oldest));
		// `after` from the future (another stream's numbers, or a client bug): nothing to send.
		return { events, state: after + 1 >= oldest ? "complete" : "partial" };
	}

	private trim(): void {
		const { maxEvents, maxAgeMs } = this.limits;
		const cutoff = this.now() - maxAgeMs;
		while (this.head < this.entries.length) {
			const live = this.entries.length - this.head;
			if (live > maxEvents || this.entries[this.head].at < cutoff) this.head++;
			else break;
		}
		// Compact once the dropped prefix is as long as what is kept: amortised O(1) per event.
		if (this.head > 1024 && this.head * 2 > this.entries.length) {
			this.entries = this.entries.slice(this.head);
			this.head = 0;
		}
	}
}

/**
 * One clock for every call's RTP. Each stream's packet n is due at
 * start + n * 20 ms on the monotonic clock, so timer lateness never accumulates;
 * one timer wakes for the earliest due packet and serves every stream that is
 * due, so 500 calls cost one wake-up per millisecond at most, not 25,000.
 */
import { performance } from "node:perf_hooks";

/** Something that sends one packet per tick. */
export interface PacedStream {
	/** Send packet `index`; return false when the stream has finished. */
	tick(index: number): boolean;
}

interface Entry {
	stream: PacedStream;
	start: number;
	index: number;
}

/** Packets later than this many intervals are skipped rather than sent in a burst. */
const MAX_CATCH_UP = 3;

/** Drives streams from a monotonic clock with drift correction. */
export class Pacer {
	private readonly intervalMs: number;
	private entries = new Map<PacedStream, Entry>();
	private timer?: NodeJS.Timeout;
	private wakeAt = Number.POSITIVE_INFINITY;
	/** Packets skipped because the process stalled (GC, overload). */
	skipped = 0;

	constructor(intervalMs = 20) {
		this.intervalMs = intervalMs;
	}

	/** Number of active streams. */
	get size(): number {
		return this.entries.size;
	}

	/** Start pacing `stream`; its first packet goes out on the next millisecond boundary. */
	add(stream: PacedStream): void {
		// Whole-millisecond starts let streams share wake-ups.
		const start = Math.ceil(performance.now());
		this.entries.set(stream, { stream, start, index: 0 });
		this.schedule(start);
	}

	/** Stop pacing `stream`. */
	remove(stream: PacedStream): void {
		this.entries.delete(stream);
		if (this.entries.size === 0 && this.timer) {
			clearTimeout(this.timer);
			this.timer = undefined;
			this.wakeAt = Number.POSITIVE_INFINITY;
		}
	}

	private schedule(due: number): void {
		if (due >= this.wakeAt && this.timer) return;
		if (this.timer) clearTimeout(this.timer);
		this.wakeAt = due;
		this.timer = setTimeout(() => this.run(), Math.max(0, due - performance.now()));
	}

	private run(): void {
		this.timer = undefined;
		this.wakeAt = Number.POSITIVE_INFINITY;
		const now = performance.now();
		let next = Number.POSITIVE_INFINITY;
		for (const e of this.entries.values()) {
			let due = e.start + e.index * this.intervalMs;
			if (due <= now) {
				const behind = Math.floor((now - due) / this.intervalMs);
				if (behind > MAX_CATCH_UP) {
					// Skip what is hopelessly late: a burst would only become jitter downstream.
					this.skipped += behind - MAX_CATCH_UP;
					e.index += behind - MAX_CATCH_UP;
				}
				let alive = true;
				for (let sent = 0; due <= now && sent <= MAX_CATCH_UP; sent++) {
					alive = this.safeTick(e);
					e.index++;
					due = e.start + e.index * this.intervalMs;
					if (!alive) break;
				}
				if (!alive) {
					this.entries.delete(e.stream);
					continue;
				}
			}
			if (due < next) next = due;
		}
		if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
	}

	private safeTick(e: Entry): boolean {
		try {
			return e.stream.tick(e.index);
		} catch {
			return false;
		}
	}
}

/** The process-wide pacer shared by all calls. */
export const sharedPacer = new Pacer();

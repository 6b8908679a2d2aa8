/**
 * One clock for every call's RTP. Each stream's packet n is due at
 * start + n * 20 ms on the monotonic clock, so timer lateness never accumulates;
 * one wake-up serves every stream that is due, so 500 calls cost one wake-up per
 * millisecond at most, not 25,000. How the pacer sleeps is a {@link PacerClock}:
 * a plain timer here, a sub-millisecond one on the media thread (clock.ts).
 */
import { performance } from "node:perf_hooks";

/** Something that sends one packet per tick. */
export interface PacedStream {
	/** Send packet `index`; return false when the stream has finished. */
	tick(index: number): boolean;
}

/** How the pacer waits for the next due packet. */
export interface PacerClock {
	/** Monotonic milliseconds. */
	now(): number;
	/** Call `run` once, at (or as soon as possible after) `at`; replaces any earlier request. */
	wake(at: number, run: () => void): void;
	/** Forget the pending request. */
	cancel(): void;
}

/** The plain event-loop timer: wakes up to ~1-2 ms late (libuv timers count whole milliseconds). */
export const timerClock = (): PacerClock => {
	let timer: NodeJS.Timeout | undefined;
	return {
		now: () => performance.now(),
		wake(at, run) {
			if (timer) clearTimeout(timer);
			timer = setTimeout(
				() => {
					timer = undefined;
					run();
				},
				Math.max(0, at - performance.now()),
			);
		},
		cancel() {
			if (timer) clearTimeout(timer);
			timer = undefined;
		},
	};
};

interface Entry {
	stream: PacedStream;
	start: number;
	index: number;
}

/** Packets later than this many intervals are skipped rather than sent in a burst. */
export const MAX_CATCH_UP = 3;

/** Drives streams from a monotonic clock with drift correction. */
export class Pacer {
	private readonly intervalMs: number;
	private readonly clock: PacerClock;
	private entries = new Map<PacedStream, Entry>();
	private wakeAt = Number.POSITIVE_INFINITY;
	private readonly runBound = () => this.run();
	/** Packets skipped because the process stalled (GC, overload). */
	skipped = 0;

	private readonly gridMs: number;
	private readonly flush?: () => void;

	/**
	 * `gridMs`: streams start on multiples of it, so that they share wake-ups (see {@link add}).
	 * `flush`: called once after every wake-up's ticks (the native sender's batch, send-batch.ts).
	 */
	constructor(intervalMs = 20, clock: PacerClock = timerClock(), gridMs = 1, flush?: () => void) {
		this.intervalMs = intervalMs;
		this.clock = clock;
		this.gridMs = gridMs;
		this.flush = flush;
	}

	/** Number of active streams. */
	get size(): number {
		return this.entries.size;
	}

	/** Start pacing `stream`; its first packet is due on the next grid step, which is returned. */
	add(stream: PacedStream): number {
		// Starts on a grid let streams share wake-ups: every stream starting within
		// the same grid step is served by one.
		const start = Math.ceil(this.clock.now() / this.gridMs) * this.gridMs;
		this.entries.set(stream, { stream, start, index: 0 });
		this.schedule(start);
		return start;
	}

	/** Stop pacing `stream`. */
	remove(stream: PacedStream): void {
		this.entries.delete(stream);
		if (this.entries.size === 0 && this.wakeAt !== Number.POSITIVE_INFINITY) {
			this.clock.cancel();
			this.wakeAt = Number.POSITIVE_INFINITY;
		}
	}

	private schedule(due: number): void {
		if (due >= this.wakeAt) return;
		this.wakeAt = due;
		this.clock.wake(due, this.runBound);
	}

	private run(): void {
		this.wakeAt = Number.POSITIVE_INFINITY;
		const next = this.serve(this.clock.now());
		if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
	}

	/**
	 * Send every packet due at `now` (at most {@link MAX_CATCH_UP} + 1 per stream,
	 * skipping older ones) and return when the next one is due (Infinity if none).
	 */
	serve(now: number): number {
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
		this.flush?.();
		return next;
	}

	private safeTick(e: Entry): boolean {
		try {
			return e.stream.tick(e.index);
		} catch {
			return false;
		}
	}
}

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
	/** Send packet `index`, due at `due` (monotonic ms); return false when the stream has finished. */
	tick(index: number, due: number): boolean;
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

/** How far ahead the pacer works (a send clock sends each packet at its due time). */
export interface Lookahead {
	/** Tick packets due up to this many ms from now. */
	aheadMs: number;
	/** Wake at most this often: each wake-up covers every deadline until the next one. */
	periodMs: number;
	/**
	 * A new stream's first packet is due at least this far from now, so that it is
	 * queued before its deadline (a timer fires up to ~2 ms late), not after.
	 */
	startMs: number;
}

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
	private readonly ahead?: Lookahead;

	/**
	 * `gridMs`: streams start on multiples of it, so that they share wake-ups (see {@link add}).
	 * `flush`: called once after every wake-up's ticks (the native sender's batch, send-batch.ts).
	 * `ahead`: tick packets before they are due, for a sender that holds each until its time.
	 */
	constructor(
		intervalMs = 20,
		clock: PacerClock = timerClock(),
		gridMs = 1,
		flush?: () => void,
		ahead?: Lookahead,
	) {
		this.intervalMs = intervalMs;
		this.clock = clock;
		this.gridMs = gridMs;
		this.flush = flush;
		this.ahead = ahead;
	}

	/** Number of active streams. */
	get size(): number {
		return this.entries.size;
	}

	/** Start pacing `stream`; its first packet is due on the next grid step, which is returned. */
	add(stream: PacedStream): number {
		// Starts on a grid let streams share wake-ups: every stream starting within
		// the same grid step is served by one.
		const now = this.clock.now();
		const ahead = this.ahead;
		const start = Math.ceil((now + (ahead?.startMs ?? 0)) / this.gridMs) * this.gridMs;
		this.entries.set(stream, { stream, start, index: 0 });
		// Ahead: run now (queue packet 0 before it is due), or at the next wake-up if that is sooner.
		this.schedule(ahead ? now : start);
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
		const now = this.clock.now();
		const ahead = this.ahead;
		const next = this.serve(now, ahead?.aheadMs);
		if (next === Number.POSITIVE_INFINITY) return;
		// Ahead: wake when the next packet enters the window, but not sooner than a period.
		this.schedule(ahead ? Math.max(next - ahead.aheadMs, now + ahead.periodMs) : next);
	}

	/**
	 * Send every packet due by `now` + `aheadMs` (at most {@link MAX_CATCH_UP} + 1
	 * per stream, skipping ones older than that) and return when the next one is
	 * due (Infinity if none).
	 */
	serve(now: number, aheadMs = 0): number {
		let next = Number.POSITIVE_INFINITY;
		const until = now + aheadMs;
		for (const e of this.entries.values()) {
			let due = e.start + e.index * this.intervalMs;
			if (due <= until) {
				const behind = Math.floor((now - due) / this.intervalMs);
				if (behind > MAX_CATCH_UP) {
					// Skip what is hopelessly late: a burst would only become jitter downstream.
					this.skipped += behind - MAX_CATCH_UP;
					e.index += behind - MAX_CATCH_UP;
					due = e.start + e.index * this.intervalMs;
				}
				let alive = true;
				for (let sent = 0; due <= until && sent <= MAX_CATCH_UP + aheadMs / this.intervalMs; sent++) {
					alive = this.safeTick(e, due);
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

	private safeTick(e: Entry, due: number): boolean {
		try {
			return e.stream.tick(e.index, due);
		} catch {
			return false;
		}
	}
}

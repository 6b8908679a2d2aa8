/**
 * A sub-millisecond pacer clock for the media thread. libuv timers count whole
 * milliseconds and fire up to ~2 ms late, which alone is the whole jitter budget.
 * So the clock sleeps on the event loop (setTimeout) until about 2 ms before the
 * deadline, then blocks the thread in `Atomics.wait` for the exact remainder (a
 * futex with a nanosecond timeout: wakes within tens of microseconds), and yields
 * to the event loop (setImmediate) between waits so socket reads and commands
 * from the main thread still run. Never spins: every wait is a kernel sleep.
 */
import { performance } from "node:perf_hooks";
import type { PacerClock } from "./pacer.ts";

/** Below this much time left, the clock blocks in Atomics.wait instead of a timer. */
export const FINE_MS = 2;
/** Closer than this to the deadline, run now (waking costs about as much). */
export const EARLY_MS = 0.02;

/** What to do with `leftMs` until the deadline. */
export type Step = { kind: "run" } | { kind: "wait"; ms: number } | { kind: "timer"; ms: number };

/**
 * Decide how to wait. Pure, for tests.
 * @example plan(20) // → { kind: "timer", ms: 18 }, then plan(1.3) → { kind: "wait", ms: 1.3 }
 */
export function plan(leftMs: number): Step {
	if (leftMs <= EARLY_MS) return { kind: "run" };
	if (leftMs <= FINE_MS) return { kind: "wait", ms: leftMs };
	// A timer fires whole milliseconds late at worst: aim it at least FINE_MS early.
	return { kind: "timer", ms: Math.max(1, Math.floor(leftMs) - FINE_MS) };
}

/**
 * The precise clock. `signal[0]` is the doorbell: the main thread stores 1 and
 * `Atomics.notify`s it after posting a command, which ends a fine wait early so
 * the command is read on the next event-loop turn instead of up to 2 ms later.
 */
export function preciseClock(signal: Int32Array): PacerClock {
	let at = Number.POSITIVE_INFINITY;
	let run: (() => void) | undefined;
	let timer: NodeJS.Timeout | undefined;
	let immediate: NodeJS.Immediate | undefined;

	const step = () => {
		timer = undefined;
		immediate = undefined;
		const fn = run;
		if (!fn) return;
		const s = plan(at - performance.now());
		if (s.kind === "timer") {
			timer = setTimeout(step, s.ms);
			return;
		}
		if (s.kind === "wait") {
			// Ends early when the doorbell rang ("not-equal": before we slept, "ok": while
			// we slept): a command is waiting in the port, so let the event loop deliver
			// it and plan again.
			Atomics.wait(signal, 0, 0, s.ms);
			Atomics.store(signal, 0, 0);
			if (at - performance.now() > EARLY_MS) {
				immediate = setImmediate(step);
				return;
			}
		}
		run = undefined;
		at = Number.POSITIVE_INFINITY;
		fn();
	};

	const clear = () => {
		if (timer) clearTimeout(timer);
		if (immediate) clearImmediate(immediate);
		timer = undefined;
		immediate = undefined;
	};

	return {
		now: () => performance.now(),
		wake(when, fn) {
			clear();
			at = when;
			run = fn;
			// Always through the event loop first: pending socket reads and commands run
			// between two pacer wake-ups, and no wait ever starts inside a caller's stack.
			immediate = setImmediate(step);
		},
		cancel() {
			clear();
			run = undefined;
			at = Number.POSITIVE_INFINITY;
		},
	};
}

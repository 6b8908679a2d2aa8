/**
 * The per-campaign INVITE pacer on a virtual clock whose timers fire up to 0.9
 * ms early or arbitrarily late, as real ones may: whatever the
 * arrivals, no window of the rule ever holds more than its cap of sends, every
 * dial not cancelled goes out once and in arrival order, and none waits longer
 * than its window needs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	DialPacer,
	GUARD_MS,
	nextSendAt,
	type PaceClock,
	paceRule,
	scheduleAfter,
} from "../../src/call/dial-pacer.ts";

/** Timers on a virtual clock; `jitter` says how early (down to -1 ms) or late each one fires. */
class VirtualClock implements PaceClock {
	t = 0;
	private timers = new Map<number, { at: number; fn: () => void }>();
	private nextId = 1;
	private readonly jitter: () => number;
	constructor(jitter: () => number = () => 0) {
		this.jitter = jitter;
	}
	now = () => this.t;
	setTimeout(fn: () => void, ms: number): unknown {
		const id = this.nextId++;
		// A real timer may fire a fraction of a millisecond early, never with no time passed.
		this.timers.set(id, { at: this.t + Math.max(0.1, ms + this.jitter()), fn });
		return id;
	}
	clearTimeout(handle: unknown): void {
		this.timers.delete(handle as number);
	}
	/** Fires every timer due up to `until`, in time order, moving the clock to each. */
	runUntil(until: number): void {
		for (;;) {
			let first: [number, { at: number; fn: () => void }] | undefined;
			for (const e of this.timers) if (!first || e[1].at < first[1].at) first = e;
			if (!first || first[1].at > until) break;
			this.timers.delete(first[0]);
			this.t = Math.max(this.t, first[1].at);
			first[1].fn();
		}
		this.t = Math.max(this.t, until);
	}
}

/** Most sends in any half-open window of `windowMs`. */
function busiest(times: number[], windowMs: number): number {
	let most = 0;
	for (let i = 0, j = 0; i < times.length; i++) {
		while ((times[i] ?? 0) - (times[j] ?? 0) >= windowMs) j++;
		most = Math.max(most, i - j + 1);
	}
	return most;
}

describe("paceRule", () => {
	it("is floor(rate) per second, and one call per 1000/rate ms below one per second, each window a guard longer, spread one per window/cap", () => {
		expect(paceRule(100)).toEqual({ cap: 100, windowMs: 1000 + GUARD_MS, gapMs: (1000 + GUARD_MS) / 100 });
		expect(paceRule(2.5)).toEqual({ cap: 2, windowMs: 1000 + GUARD_MS, gapMs: (1000 + GUARD_MS) / 2 });
		expect(paceRule(0.5)).toEqual({ cap: 1, windowMs: 2000 + GUARD_MS, gapMs: 2000 + GUARD_MS });
	});

	it("nextSendAt waits for the send cap places back to be a window old", () => {
		const rule = { cap: 2, windowMs: 1000, gapMs: 0 };
		expect(nextSendAt([], rule, 5)).toBe(5);
		expect(nextSendAt([0], rule, 5)).toBe(5);
		expect(nextSendAt([0, 10], rule, 20)).toBe(1000);
		expect(nextSendAt([0, 10], rule, 1500)).toBe(1500);
	});

	it("nextSendAt keeps sends to the schedule: at most one gap ahead of it", () => {
		const rule = { cap: 10, windowMs: 1000, gapMs: 100 };
		expect(nextSendAt([0], rule, 0)).toBe(0); // one ahead of the schedule is allowed
		expect(nextSendAt([0, 0], rule, 0)).toBe(100);
		expect(nextSendAt([0, 0, 100], rule, 100)).toBe(200);
		expect(nextSendAt([0, 0, 100], rule, 450)).toBe(450); // after a lull, at once
		expect(scheduleAfter([0, 0, 100], rule)).toBe(300);
	});
});

describe("DialPacer", () => {
	it("sends at once while the window has room, then holds the next dial for its slot", () => {
		const clock = new VirtualClock();
		const pacer = new DialPacer(clock);
		const sent: [string, number][] = [];
		for (const id of ["a", "b", "c"]) pacer.acquire("camp", 2, () => sent.push([id, clock.t]));
		expect(sent).toEqual([
			["a", 0],
			["b", 0],
		]);
		expect(pacer.waiting).toBe(1);
		clock.runUntil(1000);
		expect(sent).toHaveLength(2);
		clock.runUntil(1000 + GUARD_MS);
		expect(sent).toEqual([
			["a", 0],
			["b", 0],
			["c", 1000 + GUARD_MS],
		]);
	});

	it("a backlog goes out one per gap, not in bunches each time the window moves on", () => {
		const clock = new VirtualClock(() => 0.7); // timers fire late, as real ones do
		const pacer = new DialPacer(clock);
		const sent: number[] = [];
		for (let i = 0; i < 300; i++) pacer.acquire("camp", 100, () => sent.push(clock.t));
		clock.runUntil(10_000);
		expect(sent).toHaveLength(300);
		const rule = paceRule(100);
		expect(busiest(sent, rule.windowMs)).toBeLessThanOrEqual(100);
		const gaps = sent.slice(1).map((t, i) => t - (sent[i] ?? 0));
		expect(Math.max(...gaps)).toBeLessThan(2 * rule.gapMs); // a window-only pacer waits ~1 s after each 100
		// The schedule absorbs the timers' lateness: 300 dials at 100/s take 3 s, not 300 late timers more.
		expect((sent.at(-1) ?? 0) - (sent[0] ?? 0)).toBeLessThan(300 * rule.gapMs);
	});

	it("keeps campaigns apart: one campaign's burst never holds another's dial", () => {
		const clock = new VirtualClock();
		const pacer = new DialPacer(clock);
		const sent: string[] = [];
		pacer.acquire("one", 1, () => sent.push("one-1"));
		pacer.acquire("one", 1, () => sent.push("one-2"));
		pacer.acquire("two", 1, () => sent.push("two-1"));
		expect(sent).toEqual(["one-1", "two-1"]);
	});

	it("a cancelled dial takes no slot and the one behind it goes in its place", () => {
		const clock = new VirtualClock();
		const pacer = new DialPacer(clock);
		const sent: string[] = [];
		pacer.acquire("camp", 1, () => sent.push("a"));
		const cancelB = pacer.acquire("camp", 1, () => sent.push("b"));
		pacer.acquire("camp", 1, () => sent.push("c"));
		cancelB();
		clock.runUntil(1000 + GUARD_MS);
		expect(sent).toEqual(["a", "c"]);
		clock.runUntil(5000);
		expect(sent).toEqual(["a", "c"]);
		expect(pacer.waiting).toBe(0);
	});

	it("re-reads the clock when a timer fires early, and never sends before the slot", () => {
		const clock = new VirtualClock(() => -0.9);
		const pacer = new DialPacer(clock);
		const sent: number[] = [];
		for (let i = 0; i < 3; i++) pacer.acquire("camp", 1, () => sent.push(clock.t));
		clock.runUntil(3000);
		expect(sent).toHaveLength(3);
		expect((sent[1] ?? 0) - (sent[0] ?? 0)).toBeGreaterThanOrEqual(1000);
		expect((sent[2] ?? 0) - (sent[1] ?? 0)).toBeGreaterThanOrEqual(1000);
		expect(sent[2]).toBeLessThan(2 * (1000 + GUARD_MS) + 1);
	});

	it("property: never more than the cap in any window, every dial once, in order, none held longer than needed, even when a send is preempted before it writes", () => {
		fc.assert(
			fc.property(
				fc.record({
					rate: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0.2, max: 50, noNaN: true })),
					gaps: fc.array(fc.double({ min: 0, max: 40, noNaN: true }), { minLength: 1, maxLength: 400 }),
					cancel: fc.array(fc.boolean(), { maxLength: 400 }),
					late: fc.array(fc.double({ min: -0.9, max: 30, noNaN: true }), { minLength: 1, maxLength: 50 }),
					stall: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 20, noNaN: true })), {
						minLength: 1,
						maxLength: 50,
					}),
				}),
				({ rate, gaps, cancel, late, stall }) => {
					let k = 0;
					const clock = new VirtualClock(() => late[k++ % late.length] ?? 0);
					const pacer = new DialPacer(clock);
					const rule = paceRule(rate);
					const sends: { id: number; at: number }[] = [];
					const arrived: number[] = [];
					const cancelled = new Set<number>();
					let t = 0;
					gaps.forEach((gap, id) => {
						t += gap;
						clock.runUntil(t);
						arrived.push(clock.t);
						// The send itself may be preempted before it writes: time passes, then the wire time is read.
						const stop = pacer.acquire("camp", rate, () => {
							clock.t += stall[id % stall.length] ?? 0;
							sends.push({ id, at: clock.t });
						});
						if (cancel[id] && (cancel[(id + 1) % cancel.length] ?? false)) {
							stop();
							cancelled.add(id);
						}
					});
					clock.runUntil(t + (gaps.length + 2) * rule.windowMs + 10_000);

					const times = sends.map((s) => s.at);
					expect(busiest(times, rule.windowMs)).toBeLessThanOrEqual(rule.cap);
					const ids = sends.map((s) => s.id);
					const expected = gaps.map((_, id) => id).filter((id) => !cancelled.has(id) || ids.includes(id));
					expect(ids).toEqual(expected);
					// Work-conserving: each send is at its arrival, right behind the one before it,
					// or when the send cap places back left the window (plus the timer's lateness).
					sends.forEach((s, i) => {
						const prev = sends[i - 1]?.at ?? Number.NEGATIVE_INFINITY;
						const opened = nextSendAt(times.slice(0, i), rule, Math.max(arrived[s.id] ?? 0, prev));
						expect(s.at).toBeGreaterThanOrEqual(opened - 1e-6);
						expect(s.at).toBeLessThanOrEqual(opened + 31 + 20);
					});
				},
			),
			{ numRuns: 300 },
		);
	});
});

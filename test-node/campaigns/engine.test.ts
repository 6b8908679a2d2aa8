import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	afterOutcome,
	afterSend,
	type DialState,
	ENGINE,
	emptyPacer,
	nextWake,
	type Pacer,
	paced,
	planDial,
	rebuildPacer,
	slotAt,
} from "../../src/domain/campaigns/engine.ts";
import { isOpen } from "../../src/domain/campaigns/window.ts";
import { simulate } from "./engine-sim.ts";

/** The campaign engine without workerd: its rules, then its invariants over random runs. */

const T0 = Date.UTC(2026, 11, 7, 0, 0, 0); // a Monday
const fresh = (over: Partial<DialState> = {}): DialState => ({
	status: "running",
	live: 0,
	pacer: emptyPacer(),
	dnc: { covers: new Set(["+15550001"]), blocked: new Set(), left: 300, at: T0, loading: false },
	...over,
});
const job = { kind: "new", idx: 1, number: "+15550001" } as const;
const limits = { callsPerSecond: 10, maxConcurrent: 2, window: null };

describe("planDial", () => {
	it("dials a due contact and spaces the next slot by 1/cps", () => {
		const r = planDial(fresh(), limits, job, T0, T0 + 10_000);
		expect(r.effects).toEqual([{ type: "dial", job }]);
		expect(r.state.live).toBe(1);
		expect(r.state.pacer.nextSlot).toBe(T0 + 100);
		expect(planDial(r.state, limits, job, T0 + 40, T0 + 10_000).effects).toEqual([
			{ type: "sleep", until: T0 + 100 },
		]);
	});

	it("stops at the concurrency limit for new attempts but still resends queued ones", () => {
		expect(planDial(fresh({ live: 2 }), limits, job, T0, T0 + 1).effects).toEqual([
			{ type: "stop", why: "concurrency" },
		]);
		const resend = { kind: "resend", callId: "c:1:1" } as const;
		expect(planDial(fresh({ live: 2 }), limits, resend, T0, T0 + 1).effects).toEqual([
			{ type: "dial", job: resend },
		]);
	});

	it("stops when not running, idle, outside the window or past the tick's budget", () => {
		expect(planDial(fresh({ status: "paused" }), limits, job, T0, T0 + 1).effects[0]).toEqual({
			type: "stop",
			why: "status",
		});
		expect(planDial(fresh(), limits, null, T0, T0 + 1).effects[0]).toEqual({ type: "stop", why: "idle" });
		const window = { time_zone: "UTC", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };
		expect(planDial(fresh(), { ...limits, window }, job, T0, T0 + 1).effects[0]).toEqual({
			type: "stop",
			why: "window",
		});
		const late = fresh({ pacer: { nextSlot: T0 + 5000, recent: [] } });
		expect(planDial(late, limits, job, T0, T0 + 1000).effects).toEqual([{ type: "stop", why: "budget" }]);
	});

	it("reads do-not-call before a number it has no fresh answer for, prefetches the next batch, and skips blocked numbers", () => {
		const unknown = { kind: "new", idx: 2, number: "+15550002" } as const;
		expect(planDial(fresh(), limits, unknown, T0, T0 + 1).effects).toEqual([{ type: "load_dnc" }]);
		expect(planDial(fresh(), limits, job, T0 + ENGINE.DNC_MAX_AGE_MS + 1, T0 + 99_999).effects).toEqual([
			{ type: "load_dnc" },
		]);
		// After the reads the freshest answer is used rather than reading forever.
		expect(planDial(fresh(), limits, unknown, T0, T0 + 1, true).effects).toEqual([
			{ type: "dial", job: unknown },
		]);
		const low = fresh({ dnc: { ...fresh().dnc, left: ENGINE.DNC_PREFETCH_AT } });
		const r = planDial(low, limits, job, T0, T0 + 1);
		expect(r.effects).toEqual([{ type: "prefetch_dnc" }, { type: "dial", job }]);
		expect(r.state.dnc).toMatchObject({ loading: true, left: ENGINE.DNC_PREFETCH_AT - 1 });
		const blocked = fresh({ dnc: { ...fresh().dnc, blocked: new Set([job.number]) } });
		expect(planDial(blocked, limits, job, T0, T0 + 1).effects).toEqual([{ type: "do_not_call", idx: 1 }]);
	});

	it("lets a late timer catch up a tenth of a second, never more than the rate in one second", () => {
		// 100 calls/s, idle for a while: the bucket holds 9 tokens, so 10 may go at once...
		expect(slotAt(emptyPacer(), 100, T0)).toBe(T0 - 90);
		// ...but not when the last second already holds 100 dials.
		const recent = Array.from({ length: 100 }, (_, i) => T0 - 950 + i * 5);
		expect(slotAt({ nextSlot: T0 - 500, recent }, 100, T0)).toBe(T0 + 50);
	});
});

describe("afterSend and afterOutcome", () => {
	it("treats 409 as taken, fails a rejection, backs off capacity and network errors with the same id", () => {
		expect(afterSend({ ok: true, state: "dialing" }, 0, T0)).toEqual({ type: "taken" });
		expect(afterSend({ ok: false, code: "CALL_EXISTS", status: 409, message: "" }, 3, T0)).toEqual({
			type: "taken",
		});
		expect(afterSend({ ok: false, code: "REJECTED", status: 400, message: "bad trunk" }, 0, T0)).toEqual({
			type: "failed",
			reason: "dialer: bad trunk",
		});
		expect(afterSend({ ok: false, code: "AT_CAPACITY", status: 503, message: "" }, 2, T0)).toEqual({
			type: "retry",
			at: T0 + 4000,
			tries: 3,
		});
		expect(afterSend(null, 0, T0)).toEqual({ type: "retry", at: T0 + 5000, tries: 1 });
		expect(
			afterSend({ ok: false, code: "TRANSIENT", status: 0, message: "x" }, ENGINE.MAX_SEND_TRIES - 1, T0)
				.type,
		).toBe("failed");
	});

	it("retries by policy, only for the contact's current attempt, never once canceled", () => {
		const retry = { busy: { delay_s: 60, max_attempts: 2 } };
		const base = { retry, outcome: "busy", attempt: 1, status: "running", current: true, at: T0 } as const;
		expect(afterOutcome(base)).toEqual({ state: "pending", nextAt: T0 + 60_000, outcome: "busy" });
		expect(afterOutcome({ ...base, attempt: 2 })).toEqual({ state: "done", outcome: "busy" });
		expect(afterOutcome({ ...base, status: "canceled" })).toEqual({ state: "done", outcome: "busy" });
		expect(afterOutcome({ ...base, current: false })).toBeNull();
		expect(afterOutcome({ ...base, outcome: "completed" })).toEqual({ state: "done", outcome: "completed" });
	});
});

describe("nextWake", () => {
	const base = {
		now: T0,
		status: "running",
		window: null,
		webhookAt: null,
		oldestLiveAt: null,
		lostAfterMs: 1000,
		resendAt: null,
		dueAt: null,
		nextSlot: 0,
	} as const;
	it("wakes for the earliest of webhooks, lost calls and due work, due work not before its slot nor outside the window", () => {
		expect(nextWake(base)).toBeNull();
		expect(nextWake({ ...base, webhookAt: T0 + 7, oldestLiveAt: T0 })).toBe(T0 + 7);
		expect(nextWake({ ...base, dueAt: T0 - 5, nextSlot: T0 + 30 })).toBe(T0 + 30);
		const window = { time_zone: "UTC", days: [1], start: "09:00", end: "17:00" };
		expect(nextWake({ ...base, window, dueAt: T0 })).toBe(T0 + 9 * 3600_000);
		expect(nextWake({ ...base, status: "paused", dueAt: T0 })).toBeNull();
	});
});

describe("rebuildPacer", () => {
	it("after a restart that lost the in-memory pacer, dials go on without ever exceeding the rate in one second", () => {
		fc.assert(
			fc.property(
				fc.oneof(fc.constantFrom(1, 10, 100), fc.double({ min: 0.5, max: 120, noNaN: true })),
				fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 300 }),
				fc.integer({ min: 0, max: 299 }),
				fc.integer({ min: 0, max: 299 }),
				(cps, gaps, storedAfter, restartAfter) => {
					// Dial as fast as the pacer lets, with random timer lateness; the pacer is stored
					// after `storedAfter` dials and the instance restarts after `restartAfter`.
					let p: Pacer = emptyPacer();
					let stored: Pacer = emptyPacer();
					let now = T0;
					const dials: number[] = [];
					for (const [i, gap] of gaps.entries()) {
						if (i === restartAfter)
							p = rebuildPacer(stored, dials.slice(-Math.max(1, Math.floor(cps))).reverse(), cps);
						now = Math.max(now + gap, slotAt(p, cps, now));
						const slot = slotAt(p, cps, now);
						p = paced(p, cps, slot, now);
						dials.push(now);
						if (i === storedAfter) stored = p;
					}
					const cap = Math.max(1, Math.floor(cps));
					for (let k = cap; k < dials.length; k++)
						expect((dials[k] as number) - (dials[k - cap] as number)).toBeGreaterThanOrEqual(1000);
				},
			),
		);
	});

	it("keeps the stored next slot when no attempt is newer", () => {
		expect(rebuildPacer({ nextSlot: 5000, recent: [4000] }, [3000], 10)).toEqual({
			nextSlot: 5000,
			recent: [3000, 4000],
		});
	});
});

describe("engine invariants over random campaigns", () => {
	const outcome = fc.constantFrom("completed", "busy", "no_answer", "failed");
	const run = fc.record({
		callsPerSecond: fc.oneof(fc.constantFrom(1, 10, 100), fc.double({ min: 0.2, max: 120, noNaN: true })),
		maxConcurrent: fc.integer({ min: 1, max: 30 }),
		windowed: fc.boolean(),
		startHour: fc.integer({ min: 0, max: 22 }),
		n: fc.integer({ min: 1, max: 60 }),
		blockedEvery: fc.integer({ min: 0, max: 7 }),
		answers: fc.array(fc.constantFrom("ok", "ok", "ok", "capacity", "lost", "rejected"), {
			minLength: 1,
			maxLength: 20,
		}),
		calls: fc.array(fc.record({ outcome, durationMs: fc.integer({ min: 5, max: 90_000 }) }), {
			minLength: 1,
			maxLength: 20,
		}),
		busyRetries: fc.integer({ min: 1, max: 3 }),
		offset: fc.integer({ min: 0, max: 7 * 24 * 3600_000 }),
	});

	it("never over the concurrency limit, the rate in any one second, or the window; never twice per attempt; one outcome per attempt", () => {
		fc.assert(
			fc.property(run, (r) => {
				const window = r.windowed
					? {
							time_zone: "UTC",
							days: [1, 2, 3, 4, 5, 6, 7],
							start: `${String(r.startHour).padStart(2, "0")}:00`,
							end: `${String(r.startHour + 1).padStart(2, "0")}:00`,
						}
					: null;
				const numbers = Array.from({ length: r.n }, (_, i) => `+1555${String(i).padStart(7, "0")}`);
				const res = simulate({
					limits: { callsPerSecond: r.callsPerSecond, maxConcurrent: r.maxConcurrent, window },
					retry: {
						busy: { delay_s: 30, max_attempts: r.busyRetries },
						no_answer: { delay_s: 90, max_attempts: 2 },
					},
					numbers,
					blocked: r.blockedEvery ? numbers.filter((_, i) => i % r.blockedEvery === 0) : [],
					answers: r.answers,
					calls: r.calls,
					start: T0 + r.offset,
				});
				expect(res.maxLive).toBeLessThanOrEqual(r.maxConcurrent);
				const cap = Math.max(1, Math.floor(r.callsPerSecond));
				for (let k = cap; k < res.dials.length; k++)
					expect((res.dials[k] as number) - (res.dials[k - cap] as number)).toBeGreaterThanOrEqual(1000);
				if (window) for (const t of res.dials) expect(isOpen(window, t)).toBe(true);
				for (const count of res.placed.values()) expect(count).toBe(1);
				// Every contact finished; each of its attempts has exactly one call with one terminal outcome.
				for (const c of res.contacts) {
					expect(c.state).toBe("done");
					const mine = res.calls.filter((x) => x.idx === c.idx);
					expect(mine.map((x) => x.attempt)).toEqual(Array.from({ length: c.attempts }, (_, i) => i + 1));
					for (const x of mine) expect(x.state).toBe("ended");
				}
			}),
			{ numRuns: 150 },
		);
	});
});

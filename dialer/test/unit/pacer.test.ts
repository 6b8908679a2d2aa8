/**
 * The pacer's scheduling logic against a fake clock: which packet goes out when,
 * what is skipped after a stall, and when the next wake-up is asked for. No real
 * time passes, so nothing here depends on machine load.
 */
import { describe, expect, it } from "vitest";
import { FINE_MS, plan, preciseClock } from "../../src/rtp/clock.ts";
import { MAX_CATCH_UP, Pacer, type PacerClock } from "../../src/rtp/pacer.ts";

class FakeClock implements PacerClock {
	t = 1000.4;
	wakes: number[] = [];
	canceled = 0;
	private run?: () => void;
	now = () => this.t;
	wake(at: number, run: () => void): void {
		this.wakes.push(at);
		this.run = run;
	}
	cancel(): void {
		this.canceled++;
		this.run = undefined;
	}
	/** Advance to `t` and fire the pending wake-up, if any. */
	fire(t: number): void {
		this.t = t;
		const run = this.run;
		this.run = undefined;
		run?.();
	}
}

function stream(packets: number, log: number[]) {
	return {
		tick(index: number): boolean {
			if (index >= packets) return false;
			log.push(index);
			return true;
		},
	};
}

describe("pacer (fake clock)", () => {
	it("starts on the next whole millisecond and keeps a 20 ms grid however late it wakes", () => {
		const clock = new FakeClock();
		const pacer = new Pacer(20, clock);
		const sent: number[] = [];
		pacer.add(stream(100, sent));
		expect(clock.wakes).toEqual([1001]);
		clock.fire(1001.3);
		expect(sent).toEqual([0]);
		expect(clock.wakes.at(-1)).toBe(1021);
		clock.fire(1022.9); // 1.9 ms late: the next is still due at 1041, not 1042.9
		expect(sent).toEqual([0, 1]);
		expect(clock.wakes.at(-1)).toBe(1041);
	});

	it("after a stall sends at most MAX_CATCH_UP + 1 packets and skips the rest", () => {
		const clock = new FakeClock();
		const pacer = new Pacer(20, clock);
		const sent: number[] = [];
		pacer.add(stream(100, sent));
		clock.fire(1001);
		clock.fire(1001 + 20 * 10 + 5); // packets 1..10 are due, 10 is 5 ms late
		const behind = 10 - 1 - MAX_CATCH_UP; // indices skipped
		expect(pacer.skipped).toBe(behind);
		expect(sent).toEqual([0, ...Array.from({ length: MAX_CATCH_UP + 1 }, (_, i) => 1 + behind + i)]);
		expect(clock.wakes.at(-1)).toBe(1001 + 20 * 11);
	});

	it("serves streams sharing a slot in one wake-up and asks for the earliest next one", () => {
		const clock = new FakeClock();
		const pacer = new Pacer(20, clock);
		const a: number[] = [];
		const b: number[] = [];
		pacer.add(stream(100, a));
		clock.t = 1005.2;
		pacer.add(stream(100, b));
		expect(clock.wakes).toEqual([1001]); // b's 1006 is later: no new request
		clock.fire(1006.1);
		expect([a, b]).toEqual([[0], [0]]);
		expect(clock.wakes.at(-1)).toBe(1021);
	});

	it("drops finished and failing streams, and stops asking for wake-ups when none is left", () => {
		const clock = new FakeClock();
		const pacer = new Pacer(20, clock);
		const sent: number[] = [];
		pacer.add(stream(2, sent));
		pacer.add({
			tick: () => {
				throw new Error("boom");
			},
		});
		expect(pacer.size).toBe(2);
		clock.fire(1001);
		expect(pacer.size).toBe(1);
		clock.fire(1021);
		clock.fire(1041);
		expect(sent).toEqual([0, 1]);
		expect(pacer.size).toBe(0);
		const wakes = clock.wakes.length;
		clock.fire(1061);
		expect(clock.wakes.length).toBe(wakes);
	});

	it("cancels the pending wake-up when the last stream is removed", () => {
		const clock = new FakeClock();
		const pacer = new Pacer(20, clock);
		const s = stream(10, []);
		pacer.add(s);
		pacer.remove(s);
		expect(clock.canceled).toBe(1);
		expect(pacer.size).toBe(0);
	});
});

describe("precise clock", () => {
	it("plans a timer while far, a futex wait when close, and runs when due", () => {
		expect(plan(20)).toEqual({ kind: "timer", ms: 18 });
		expect(plan(2.5)).toEqual({ kind: "timer", ms: 1 });
		expect(plan(FINE_MS)).toEqual({ kind: "wait", ms: FINE_MS });
		expect(plan(0.7)).toEqual({ kind: "wait", ms: 0.7 });
		expect(plan(0.01)).toEqual({ kind: "run" });
		expect(plan(-3)).toEqual({ kind: "run" });
	});

	it("runs the callback once, never before its deadline, and not after cancel", async () => {
		const signal = new Int32Array(new SharedArrayBuffer(4));
		const clock = preciseClock(signal);
		const at = clock.now() + 5;
		const ranAt = await new Promise<number>((resolve) => clock.wake(at, () => resolve(clock.now())));
		expect(ranAt).toBeGreaterThanOrEqual(at - 0.05);

		let ran = 0;
		clock.wake(clock.now() + 3, () => ran++);
		clock.cancel();
		await new Promise((r) => setTimeout(r, 20));
		expect(ran).toBe(0);
	});

	it("a rung doorbell ends a wait early without firing before the deadline", async () => {
		const signal = new Int32Array(new SharedArrayBuffer(4));
		const clock = preciseClock(signal);
		Atomics.store(signal, 0, 1);
		const at = clock.now() + 1.5;
		const ranAt = await new Promise<number>((resolve) => clock.wake(at, () => resolve(clock.now())));
		expect(ranAt).toBeGreaterThanOrEqual(at - 0.05);
		expect(Atomics.load(signal, 0)).toBe(0);
	});
});

describe("pacer start grid", () => {
	it("starts streams on the grid so that they share wake-ups, and keeps each on its own 20 ms grid", () => {
		const clock = new FakeClock(); // t = 1000.4
		const pacer = new Pacer(20, clock, 2);
		const a: number[] = [];
		const b: number[] = [];
		pacer.add(stream(100, a));
		expect(clock.wakes).toEqual([1002]);
		clock.t = 1001.2;
		pacer.add(stream(100, b)); // also due at 1002: no wake-up of its own
		expect(clock.wakes).toEqual([1002]);
		clock.fire(1002.1);
		expect(a).toEqual([0]);
		expect(b).toEqual([0]);
		expect(clock.wakes.at(-1)).toBe(1022);
		clock.fire(1022.05);
		expect(a).toEqual([0, 1]);
		expect(b).toEqual([0, 1]);
	});

	it("ahead (send clock): ticks what is due within aheadMs with its due time, waking once a period", () => {
		const clock = new FakeClock();
		const pacer = new Pacer(20, clock, 2, undefined, { aheadMs: 60, periodMs: 10, startMs: 5 });
		const ticks: Array<[number, number]> = [];
		const start = pacer.add({
			tick(index: number, due: number) {
				ticks.push([index, due]);
				return true;
			},
		});
		// The first packet is due at least startMs ahead, on the 2 ms grid; the pacer runs now.
		expect(start).toBe(1006);
		expect(clock.wakes).toEqual([1000.4]);
		clock.fire(1000.4);
		// Packets due by 1060.4: 1006, 1026, 1046.
		expect(ticks).toEqual([
			[0, 1006],
			[1, 1026],
			[2, 1046],
		]);
		// The next (1066) enters the window at 1006, but not before a period has passed.
		expect(clock.wakes.at(-1)).toBeCloseTo(1010.4, 6);
		clock.fire(1010.4);
		expect(ticks.at(-1)).toEqual([3, 1066]);
	});
});

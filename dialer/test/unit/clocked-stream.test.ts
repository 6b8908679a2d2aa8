/**
 * A session's stream on the send clock (src/rtp/clocked-stream.ts) with a
 * scripted clock: when the end of the sound is reported and with what delay
 * (the call's play-out wait before BYE depends on it), the counters carried
 * across restarts, and a refused start.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ClockedStream } from "../../src/rtp/clocked-stream.ts";
import type { StreamClock, StreamState } from "../../src/rtp/native-streams.ts";

const ROUTE = { fd: 7, host: "", port: 0 };
const SPEC = { sound: 1, pt: 0, pad: 0xff, ssrc: 5, tsBase: 0 };

/** A clock whose one stream has sent `state.sent` packets and has `state.ended`. */
function scripted(refuse = false) {
	const state: StreamState = { sent: 0, skipped: 0, nextIndex: 0, nextSeq: 0, ended: false };
	const calls: string[] = [];
	const clock = {
		firstDue: () => 0,
		start: (_r: unknown, _s: unknown, seq: number, index: number, due: number, marker: boolean) => {
			if (refuse) throw new RangeError("no such sound");
			calls.push(`start seq=${seq} index=${index} due=${due} marker=${marker}`);
			return 3;
		},
		stop: (h: number) => {
			calls.push(`stop ${h}`);
			return { ...state };
		},
		stats: () => ({ ...state }),
		mute: (h: number, m: boolean) => calls.push(`mute ${h} ${m}`),
		route: (h: number, r: { fd: number }) => calls.push(`route ${h} ${r.fd}`),
	} as unknown as StreamClock;
	return { clock, state, calls };
}

beforeEach(() => {
	vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
	vi.useRealTimers();
});

describe("ClockedStream", () => {
	it("reports the end 1 ms after the last packet is due (a partial last packet counts), with the delay since", () => {
		const { clock, state } = scripted();
		const ended: number[] = [];
		const s = new ClockedStream(clock, (since) => ended.push(since));
		const due = performance.now() + 10;
		// 2.25 packets of sound: packets 0, 1, 2; the last due at due + 40.
		expect(s.start(ROUTE, SPEC, { seq: 9, sent: 0, skipped: 0 }, 0, due, true, Math.ceil(2.25), false)).toBe(
			true,
		);
		state.ended = true;
		vi.advanceTimersByTime(10 + 40);
		expect(ended).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(ended).toEqual([1]);
	});

	it("looks again every 5 ms while the clock has not sent the last packet (a stall)", () => {
		const { clock, state } = scripted();
		const ended: number[] = [];
		const s = new ClockedStream(clock, (since) => ended.push(since));
		s.start(ROUTE, SPEC, { seq: 0, sent: 0, skipped: 0 }, 0, performance.now(), false, 1, false);
		vi.advanceTimersByTime(1);
		expect(ended).toEqual([]);
		vi.advanceTimersByTime(5);
		expect(ended).toEqual([]);
		state.ended = true;
		vi.advanceTimersByTime(5);
		expect(ended).toEqual([11]);
	});

	it("starts a restart where it was: the counters before it plus its own, the next sequence number", () => {
		const { clock, state, calls } = scripted();
		const s = new ClockedStream(clock, () => {});
		s.start(ROUTE, SPEC, { seq: 100, sent: 40, skipped: 2 }, 40, 800, true, 500, true);
		expect(calls).toEqual(["start seq=100 index=40 due=800 marker=true", "mute 3 true"]);
		Object.assign(state, { sent: 10, skipped: 1, nextIndex: 51, nextSeq: 110 });
		expect(s.counts()).toEqual({ sent: 50, skipped: 3, nextIndex: 51, nextSeq: 110 });
		expect(s.stop()).toEqual({ sent: 50, skipped: 3, nextIndex: 51, nextSeq: 110 });
		expect(s.running).toBe(false);
		// Stopped: no end report, no stats, routes and mutes go nowhere.
		state.ended = true;
		vi.advanceTimersByTime(20_000);
		expect(s.counts()).toBeUndefined();
		expect(s.stop()).toBeUndefined();
		s.route(ROUTE);
		s.mute(false);
		expect(calls.slice(2)).toEqual(["stop 3"]);
	});

	it("says false and runs nothing when the addon refuses the stream", () => {
		const { clock } = scripted(true);
		const ended: number[] = [];
		const s = new ClockedStream(clock, (since) => ended.push(since));
		expect(s.start(ROUTE, SPEC, { seq: 0, sent: 0, skipped: 0 }, 0, 0, true, 3, false)).toBe(false);
		expect(s.running).toBe(false);
		vi.advanceTimersByTime(1000);
		expect(ended).toEqual([]);
	});
});

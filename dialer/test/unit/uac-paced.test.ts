/**
 * The first INVITE under the campaign's rate (dial-pacer.ts): a call over the
 * rate sends nothing until its slot, and one cancelled while it waits ends
 * 487 with nothing on the wire and gives its slot to the next.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DialPacer, GUARD_MS, type PaceClock } from "../../src/call/dial-pacer.ts";
import { harness } from "./uac-harness.ts";

/** The pacer on vitest's fake timers. */
const fakeClock: PaceClock = {
	now: () => Date.now(),
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("paced INVITE", () => {
	it("a call over the rate sends its INVITE at its slot, not before", () => {
		const pacer = new DialPacer(fakeClock);
		const pace = (send: () => void) => pacer.acquire("camp", 1, send);
		const first = harness({}, pace);
		const second = harness({}, pace);
		expect(first.of("INVITE")).toHaveLength(1);
		expect(second.of("INVITE")).toHaveLength(0);
		vi.advanceTimersByTime(1000);
		expect(second.of("INVITE")).toHaveLength(0);
		vi.advanceTimersByTime(GUARD_MS);
		expect(second.of("INVITE")).toHaveLength(1);
	});

	it("cancelled while waiting: 487 at once, no INVITE or CANCEL sent, and the next call takes the slot", () => {
		const pacer = new DialPacer(fakeClock);
		const pace = (send: () => void) => pacer.acquire("camp", 1, send);
		harness({}, pace);
		const waiting = harness({}, pace);
		const next = harness({}, pace);
		waiting.call.cancel();
		expect(waiting.seen).toEqual(["failed 487 Request Terminated"]);
		vi.advanceTimersByTime(1000 + GUARD_MS);
		expect(waiting.sent).toHaveLength(0);
		expect(next.of("INVITE")).toHaveLength(1);
	});
});

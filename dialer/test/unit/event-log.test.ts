/** The /events log on its own: ids, resume, and the bounds by count and age. */
import { describe, expect, it } from "vitest";
import type { CallEvent } from "../../src/call/types.ts";
import { EventLog } from "../../src/control/event-log.ts";

const ev = (seq: number): CallEvent => ({
	call_id: "c1",
	seq,
	type: "trying",
	at: "2026-12-02T00:00:00.000Z",
});
const ids = (r: { events: Array<{ id: number }> }) => r.events.map((e) => e.id);

describe("EventLog", () => {
	it("numbers events 1, 2, 3 and writes the id into the frame", () => {
		const log = new EventLog();
		const a = log.append(ev(1));
		const b = log.append(ev(2));
		expect([a.id, b.id, log.lastId]).toEqual([1, 2, 2]);
		expect(JSON.parse(b.frame)).toEqual({ ...ev(2), event_id: 2 });
	});

	it("replays what came after a client's last id, complete", () => {
		const log = new EventLog();
		for (let i = 1; i <= 5; i++) log.append(ev(i));
		expect(log.since(3, log.stream)).toMatchObject({ state: "complete" });
		expect(ids(log.since(3, log.stream))).toEqual([4, 5]);
		expect(ids(log.since(5, log.stream))).toEqual([]);
		expect(ids(log.since(0, log.stream))).toEqual([1, 2, 3, 4, 5]);
	});

	it("says partial when the client's last id is older than the log, and gives what is left", () => {
		const log = new EventLog({ maxEvents: 3, maxAgeMs: 60_000 });
		for (let i = 1; i <= 10; i++) log.append(ev(i));
		const r = log.since(2, log.stream);
		expect([r.state, ids(r)]).toEqual(["partial", [8, 9, 10]]);
		// One short of the oldest kept is still whole.
		expect(log.since(7, log.stream).state).toBe("complete");
	});

	it("says partial for another stream (the dialer restarted) and gives everything kept", () => {
		const log = new EventLog();
		log.append(ev(1));
		log.append(ev(2));
		const r = log.since(1, new EventLog().stream);
		expect([r.state, ids(r)]).toEqual(["partial", [1, 2]]);
	});

	it("forgets events older than the age bound", () => {
		let now = 0;
		const log = new EventLog({ maxEvents: 1000, maxAgeMs: 1000 }, () => now);
		log.append(ev(1));
		now = 600;
		log.append(ev(2));
		now = 1200;
		expect(ids(log.since(0, log.stream))).toEqual([2]);
		now = 5000;
		expect(log.since(0, log.stream)).toEqual({ events: [], state: "partial" });
		// Ids keep counting after everything aged out.
		expect(log.append(ev(3)).id).toBe(3);
		expect(ids(log.since(2, log.stream))).toEqual([3]);
	});

	it("stays right across compactions of a long run", () => {
		const log = new EventLog({ maxEvents: 100, maxAgeMs: 60_000 });
		for (let i = 1; i <= 5000; i++) log.append(ev(i));
		expect(ids(log.since(4990, log.stream))).toEqual([
			4991, 4992, 4993, 4994, 4995, 4996, 4997, 4998, 4999, 5000,
		]);
		expect(log.since(4900, log.stream).state).toBe("complete");
		expect(log.since(4899, log.stream).state).toBe("partial");
	});
});

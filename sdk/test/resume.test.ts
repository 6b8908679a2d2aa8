import { describe, expect, it } from "vitest";
import { backoffDelay, ChatPositions } from "../src/index.ts";

describe("ChatPositions", () => {
	it("takes the next seq, drops one it holds, and reports a gap without moving", () => {
		const p = new ChatPositions();
		p.follow("c", 4);
		expect(p.judge("c", 5)).toBe("new");
		expect(p.judge("c", 5)).toBe("duplicate");
		expect(p.judge("c", 3)).toBe("duplicate");
		expect(p.judge("c", 8)).toBe("gap");
		expect(p.lastSeq("c")).toBe(5);
		expect(p.judge("c", 6)).toBe("new");
	});

	it("starts from the first seq seen when followed from now, and never moves back on a later follow", () => {
		const p = new ChatPositions();
		p.follow("c");
		expect(p.lastSeq("c")).toBeUndefined();
		expect(p.judge("c", 10)).toBe("new");
		p.follow("c", 2);
		expect(p.lastSeq("c")).toBe(10);
		expect(p.entries()).toEqual([["c", 10]]);
	});
});

describe("backoffDelay", () => {
	it("grows exponentially up to the cap, with full jitter", () => {
		const b = { initialMs: 100, maxMs: 1000 };
		expect(backoffDelay(0, b, () => 0.999)).toBe(99);
		expect(backoffDelay(3, b, () => 0.999)).toBe(799);
		expect(backoffDelay(10, b, () => 0.999)).toBe(999);
		expect(backoffDelay(10, b, () => 0)).toBe(0);
	});
});

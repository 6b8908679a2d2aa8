/** batched(): one message per synchronous run (or per scheduled turn), order kept. */
import { describe, expect, it } from "vitest";
import { batched } from "../../src/rtp/protocol.ts";

describe("batched", () => {
	it("hands over everything pushed in one synchronous run as one array, in order", async () => {
		const sent: number[][] = [];
		const push = batched<number>((items) => sent.push(items));
		push(1);
		push(2);
		push(3);
		expect(sent).toEqual([]); // nothing crosses until the run ends
		await Promise.resolve();
		expect(sent).toEqual([[1, 2, 3]]);
		push(4);
		await Promise.resolve();
		expect(sent).toEqual([[1, 2, 3], [4]]);
	});

	it("uses the given scheduler and schedules once per batch", () => {
		const sent: string[][] = [];
		const pending: Array<() => void> = [];
		const push = batched<string>(
			(items) => sent.push(items),
			(f) => pending.push(f),
		);
		push("a");
		push("b");
		expect(pending).toHaveLength(1);
		pending.shift()?.();
		push("c");
		expect(pending).toHaveLength(1);
		pending.shift()?.();
		expect(sent).toEqual([["a", "b"], ["c"]]);
	});
});

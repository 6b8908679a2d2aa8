import { describe, expect, it } from "vitest";
import { median, operatorStats, startOfDayUtc } from "../../src/domain/support/stats";

describe("support figures", () => {
	it("median of odd and even counts, none for nothing", () => {
		expect(median([5, 1, 3])).toBe(3);
		expect(median([4, 1, 3, 2])).toBe(3);
		expect(median([])).toBeNull();
	});

	it("answered today counts conversations since UTC midnight; the median uses only first responses", () => {
		const now = Date.UTC(2026, 11, 7, 15, 0);
		const yesterday = startOfDayUtc(now) - 1000;
		const replies = [
			{ operator_id: "a", conversation_id: "c1", at: now - 1000, waited_ms: 4000 },
			{ operator_id: "a", conversation_id: "c1", at: now - 500, waited_ms: null },
			{ operator_id: "a", conversation_id: "c2", at: yesterday, waited_ms: 1000 },
		];
		const [a] = operatorStats([{ id: "a", name: "A" }], [], replies, now);
		expect(a).toEqual({
			operator: { id: "a", name: "A" },
			open: 0,
			answered_today: 1,
			median_first_response_ms: 2500,
		});
	});
});

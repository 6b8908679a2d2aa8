import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";

/** RFC 9562's UUIDv7 layout of `ms`, written plainly (BigInt) as the reference. */
function timeHex(ms: number): string {
	return BigInt(ms).toString(16).padStart(12, "0");
}

describe("newId (UUIDv7)", () => {
	it("carries the millisecond timestamp, version 7 and the RFC variant, for any time up to 2^48 ms", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
				const id = newId(ms);
				expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
				expect(id.replace(/-/g, "").slice(0, 12)).toBe(timeHex(ms));
			}),
		);
	});

	it("sorts by creation time and never repeats", () => {
		const ids = Array.from({ length: 2000 }, (_, i) => newId(1_700_000_000_000 + Math.floor(i / 10)));
		expect(new Set(ids).size).toBe(ids.length);
		const times = ids.map((id) => id.slice(0, 13));
		expect([...times].sort()).toEqual(times);
	});
});

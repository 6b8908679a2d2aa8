/**
 * FirstSeen against a `Map` of first indices: the same answer for every key,
 * whether the table has room or is full and sends keys to its overflow map.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FirstSeen } from "../../src/domain/contacts/first-seen";

/** What claim() must answer for each key in turn. */
function expected(keys: string[]): number[] {
	const first = new Map<string, number>();
	return keys.map((k) => {
		const at = first.get(k);
		if (at !== undefined) return at;
		first.set(k, first.size);
		return -1;
	});
}

describe("FirstSeen", () => {
	it("gives each new key the next index and a repeated key its first", () => {
		const seen = new FirstSeen(3);
		expect(["+1", "+2", "+1", "+3", "+2"].map((k) => seen.claim(k))).toEqual([-1, -1, 0, -1, 1]);
	});

	it("still answers when full: 1,000 keys in a table sized for one", () => {
		const keys = Array.from({ length: 2000 }, (_, i) => `+1415555${i % 1000}`);
		const seen = new FirstSeen(1);
		expect(keys.map((k) => seen.claim(k))).toEqual(expected(keys));
	});

	it("property: the same answers as a Map, at any capacity", () => {
		fc.assert(
			fc.property(
				fc.array(fc.string({ maxLength: 4, unit: fc.constantFrom("1", "2", "3", "+", "é") }), {
					maxLength: 200,
				}),
				fc.integer({ min: 0, max: 300 }),
				(keys, capacity) => {
					const seen = new FirstSeen(capacity);
					expect(keys.map((k) => seen.claim(k))).toEqual(expected(keys));
				},
			),
			{ numRuns: 2000 },
		);
	});
});

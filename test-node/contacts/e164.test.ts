import fc from "fast-check";
import {
	getCountries,
	getCountryCallingCode,
	getExampleNumber,
	parsePhoneNumberFromString,
} from "libphonenumber-js";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it } from "vitest";
import { e164AsIs } from "../../src/domain/contacts/e164.ts";
import { toE164 } from "../../src/domain/contacts/normalize.ts";

/** What the library alone says of `raw` (the import's answer before the fast path). */
const library = (raw: string) => {
	const p = parsePhoneNumberFromString(raw, "US");
	return p?.isValid() ? p.number : null;
};

/** Every country's example number, and its neighbours: each digit changed, one dropped, one added. */
function corpus(): string[] {
	const out: string[] = [];
	for (const country of getCountries()) {
		const ex = getExampleNumber(country, examples)?.number;
		if (!ex) continue;
		out.push(ex);
		for (let i = 2; i < ex.length; i++) {
			out.push(`${ex.slice(0, i)}${(Number(ex[i]) + 3) % 10}${ex.slice(i + 1)}`);
			out.push(ex.slice(0, i) + ex.slice(i + 1));
		}
		out.push(`${ex}7`);
		const cc = getCountryCallingCode(country);
		out.push(`+${cc}0${ex.slice(1 + cc.length)}`, `+${cc}1${ex.slice(1 + cc.length)}`);
	}
	return out;
}

describe("e164AsIs", () => {
	it("agrees with libphonenumber-js on every country's example number and its neighbours", () => {
		const numbers = corpus();
		expect(numbers.length).toBeGreaterThan(5000);
		let decided = 0;
		for (const n of numbers) {
			const fast = e164AsIs(n);
			if (fast === undefined) continue;
			decided++;
			expect([n, fast]).toEqual([n, library(n)]);
		}
		// Most are decided by the replica, not handed back to the library.
		expect(decided / numbers.length).toBeGreaterThan(0.8);
	});

	it("agrees with libphonenumber-js on random digits after shared and single calling codes", () => {
		const cc = fc.constantFrom(
			"1",
			"7",
			"44",
			"49",
			"33",
			"39",
			"61",
			"86",
			"91",
			"262",
			"358",
			"590",
			"599",
			"880",
		);
		fc.assert(
			fc.property(cc, fc.stringMatching(/^\d{4,13}$/), (code, digits) => {
				const n = `+${code}${digits}`;
				const fast = e164AsIs(n);
				if (fast !== undefined) expect(fast).toBe(library(n));
			}),
			{ numRuns: 20_000 },
		);
	});

	it("hands anything but plain E.164 back to the library", () => {
		for (const n of ["4155550100", "+1 415 555 0100", "0014155550100", "+0123456789", "+1", "(415) 555-0100"])
			expect(e164AsIs(n)).toBeUndefined();
	});

	it("toE164 gives the library's answer with or without the fast path", () => {
		for (const n of [
			"+14155550100",
			"+1415555010",
			"+442079460000",
			"00442079460000",
			"415-555-0100",
			"+12125550100x",
		])
			expect(toE164(n, "US")).toBe(library(n.replace(/^00/, "+")));
	});
});

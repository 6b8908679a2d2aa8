/**
 * parsePlainCsv against csv-parse with the import's options, on generated
 * files: whenever it answers, its records and lines are exactly csv-parse's
 * (records, and `info.lines`); when csv-parse refuses a file, it does not
 * answer (so the import reports csv-parse's error as before).
 */
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePlainCsv } from "../../src/domain/contacts/plain-csv";

const MAX_RECORD = 64;
const OPTIONS = {
	bom: true,
	relax_column_count: true,
	skip_empty_lines: true,
	trim: true,
	max_record_size: MAX_RECORD,
} as const;

/** csv-parse's records and lines, or undefined when it refuses the file. */
function csvParse(text: string, delimiter: string, maxRecord: number) {
	try {
		const out = parse(text, { ...OPTIONS, delimiter, max_record_size: maxRecord, info: true }) as unknown as {
			record: string[];
			info: { lines: number };
		}[];
		return { records: out.map((r) => r.record), lines: out.map((r) => r.info.lines) };
	} catch {
		return undefined;
	}
}

function check(text: string, delimiter: string, maxRecord = MAX_RECORD) {
	const got = parsePlainCsv(text, delimiter, maxRecord);
	const expected = csvParse(text, delimiter, maxRecord);
	if (expected === undefined) expect(got).toBeNull();
	else if (got !== null) expect(got).toEqual(expected);
	return got;
}

describe("parsePlainCsv", () => {
	it("reads the common file: quoted fields, trimmed values, blank lines, LF or CRLF, BOM", () => {
		const text = '\uFEFFnumber,name\n+14155550100, "Ann, B" \n\n \t\n+14155550101,Bob,\n';
		expect(check(text, ",", 16384)).toEqual({
			records: [
				["number", "name"],
				["+14155550100", "Ann, B"],
				["+14155550101", "Bob", ""],
			],
			lines: [1, 2, 5],
		});
		expect(check(text.replaceAll("\n", "\r\n"), ",", 16384)).toEqual({
			records: [
				["number", "name"],
				["+14155550100", "Ann, B"],
				["+14155550101", "Bob", ""],
			],
			lines: [1, 2, 5],
		});
		expect(check("a\tb\n\t\n", "\t")).toEqual({
			records: [
				["a", "b"],
				["", ""],
			],
			lines: [1, 2],
		});
		expect(check("Иван;+7 (912) 345-67-89\u00a0\n", ";", 16384)).toEqual({
			records: [["Иван", "+7 (912) 345-67-89"]],
			lines: [1],
		});
	});

	it("leaves to csv-parse what it does not read itself", () => {
		for (const text of [
			'a,"b ""c"""\n', // escaped quote
			'a,"b\nc"\n', // quoted line break
			'a,b"c\n', // quote inside a field
			'a,"b"c\n', // text after a closing quote
			"a\r\nb\nc\n", // mixed endings
			"a\rb\r", // bare CR
			`${"x".repeat(MAX_RECORD)}\n`, // could pass the record limit
			"a\uD800,b\n", // a lone surrogate
		])
			expect(parsePlainCsv(text, ",", MAX_RECORD), JSON.stringify(text)).toBeNull();
	});

	it("property: equals csv-parse's records and lines whenever it answers", () => {
		const piece = fc.constantFrom(
			"a",
			"1",
			"+44 20",
			",",
			";",
			"\t",
			'"',
			'""',
			'"x, y"',
			" ",
			"\u00a0",
			"\u3000",
			"\uFEFF",
			"\n",
			"\r\n",
			"\r",
			"\f",
			"é",
			"Ж",
			"😀",
		);
		fc.assert(
			fc.property(
				fc.array(piece, { maxLength: 60 }),
				fc.constantFrom(",", ";", "\t"),
				fc.boolean(),
				(pieces, delimiter, bom) => {
					check(`${bom ? "\uFEFF" : ""}${pieces.join("")}`, delimiter);
				},
			),
			{ numRuns: 5000 },
		);
	});

	it("property: answers for generated plain files, the same as csv-parse", () => {
		// Any text (unicode included) without quotes or line breaks, bare or quoted with blanks around.
		const text = fc.string({ maxLength: 8, unit: "grapheme" }).filter((s) => !/["\r\n]/.test(s));
		const pad = fc.constantFrom("", " ", "\t", "  ");
		const cell = fc.oneof(
			text.filter((s) => !s.includes(",")),
			fc.tuple(pad, text, pad).map(([a, s, b]) => `${a}"${s}"${b}`),
		);
		const line = fc.oneof(
			fc.array(cell, { minLength: 1, maxLength: 4 }).map((c) => c.join(",")),
			fc.constantFrom("", " ", "\t", "\u00a0"),
		);
		fc.assert(
			fc.property(
				fc.array(line, { minLength: 1, maxLength: 12 }),
				fc.constantFrom("\n", "\r\n"),
				fc.boolean(),
				fc.boolean(),
				(lines, eol, bom, trailing) => {
					const file = `${bom ? "\uFEFF" : ""}${lines.join(eol)}${trailing ? eol : ""}`;
					const got = check(file, ",");
					// Only a line that could pass the record limit is left to csv-parse here.
					if (lines.every((l) => l.length * 3 <= MAX_RECORD)) expect(got).not.toBeNull();
				},
			),
			{ numRuns: 3000 },
		);
	});
});

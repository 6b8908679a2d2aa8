/**
 * recordLines against csv-parse's own `info.lines` on generated files: for
 * every file csv-parse reads, it answers exactly what `info` says, or null
 * (and the import then asks `info`). Never a wrong line.
 */
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordLines } from "../../src/domain/contacts/record-lines";

const OPTIONS = { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true } as const;

/** csv-parse's lines per record, or undefined when it refuses the file. */
function infoLines(text: string, delimiter: string): number[] | undefined {
	try {
		const records = parse(text, { ...OPTIONS, delimiter, info: true }) as unknown as {
			info: { lines: number };
		}[];
		return records.map((r) => r.info.lines);
	} catch {
		return undefined;
	}
}

function count(text: string, delimiter: string): number {
	return (parse(text, { ...OPTIONS, delimiter }) as string[][]).length;
}

describe("recordLines", () => {
	it("counts lines past blank ones, with LF or CRLF", () => {
		const text = 'number,name\n+14155550100,Ann\n\n  \n+14155550101,"Bob"\n';
		expect(recordLines(text, count(text, ","))).toEqual([1, 2, 5]);
		const crlf = text.replaceAll("\n", "\r\n");
		expect(recordLines(crlf, count(crlf, ","))).toEqual([1, 2, 5]);
	});

	it("gives up on a quoted line break, mixed endings or a count that differs", () => {
		const quoted = 'a,"x\ny"\nb\n';
		expect(recordLines(quoted, count(quoted, ","))).toBeNull();
		expect(recordLines("a\r\nb\nc\n", 3)).toBeNull();
		expect(recordLines("a\nb\n", 3)).toBeNull();
	});

	it("property: equals csv-parse's info.lines whenever it answers", () => {
		const piece = fc.constantFrom(
			"a",
			"1",
			"+44",
			",",
			";",
			'"',
			'""',
			" ",
			"\t",
			"\n",
			"\r\n",
			"\r",
			"\u00a0",
			"é",
		);
		fc.assert(
			fc.property(fc.array(piece, { maxLength: 60 }), fc.constantFrom(",", ";"), (pieces, delimiter) => {
				const text = pieces.join("");
				const expected = infoLines(text, delimiter);
				if (expected === undefined) return;
				const got = recordLines(text, expected.length);
				if (got !== null) expect(got).toEqual(expected);
			}),
			{ numRuns: 3000 },
		);
	});
});

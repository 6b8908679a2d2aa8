import { describe, expect, it } from "vitest";
import { cdrCsv } from "../../src/domain/campaigns/cdr-csv";
import type { Cdr } from "../../src/domain/campaigns/engine-store";
import { csvCell, csvRow } from "../../src/lib/csv";

describe("csvCell: OWASP CSV injection rule for every cell", () => {
	it("prefixes a single quote to text starting with = + - @ tab or CR", () => {
		for (const [raw, out] of [
			["=1+1", "'=1+1"],
			["+14155550100", "'+14155550100"],
			["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
			["-5", "'-5"],
			["@SUM(A1)", "'@SUM(A1)"],
			["\t=cmd", "'\t=cmd"],
			["\r=cmd", '"\'\r=cmd"'],
			["plain", "plain"],
			["a=b", "a=b"],
			["", ""],
		] as const) {
			expect(csvCell(raw), JSON.stringify(raw)).toBe(out);
		}
	});

	it("quotes cells holding the separator, quotes or line breaks, after the prefix", () => {
		expect(csvCell('say "hi", then')).toBe('"say ""hi"", then"');
		expect(csvCell('=HYPERLINK("x","y")')).toBe('"\'=HYPERLINK(""x"",""y"")"');
		expect(csvCell("two\nlines")).toBe('"two\nlines"');
		expect(csvCell("a;b", ";")).toBe('"a;b"');
		expect(csvCell("a;b")).toBe("a;b");
	});

	it("writes numbers as numbers and nothing for null", () => {
		expect(csvRow([-3, 0, 2.5, null, undefined, "x"])).toBe("-3,0,2.5,,,x\r\n");
	});

	it("the calls.csv export runs every cell through it", async () => {
		const cdr = {
			call_id: "c1",
			number: "+14155550100",
			attempt: 1,
			outcome: "failed",
			reason: "-2+3+cmd|' /C calc'!A0",
			dtmf: "@1",
		} as unknown as Cdr;
		const stream = cdrCsv(async () => ({ items: [cdr], next_after: null }));
		const lines = (await new Response(stream).text()).split("\r\n");
		expect(lines[1]).toContain(",'+14155550100,1,failed,");
		expect(lines[1]).toContain(",'-2+3+cmd|' /C calc'!A0,'@1,");
	});
});

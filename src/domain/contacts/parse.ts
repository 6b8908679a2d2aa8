import { CsvError, type Options, parse } from "csv-parse/sync";
import { parsePlainCsv } from "./plain-csv";
import { recordLines } from "./record-lines";

/** One row as uploaded, before the number is checked. */
export type RawContact = {
	line: number;
	number: string;
	name?: string;
	comment?: string;
	fields?: Record<string, string>;
};

/** The upload cannot be read at all (as opposed to single bad rows). */
export class ContactFileError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly line?: number,
	) {
		super(message);
	}
}

/**
 * Longest value per column, the same for CSV and JSON uploads, and the
 * longest CSV record: a bound far below D1's row limit, checked while
 * parsing so one huge quoted field is refused before it is buffered whole.
 */
export const CONTACT_LIMITS = {
	number: 64,
	name: 200,
	comment: 1000,
	field: 1000,
	fieldName: 64,
	record: 16 * 1024,
} as const;

const NUMBER_HEADERS = [
	"number",
	"phone",
	"phone_number",
	"phonenumber",
	"tel",
	"telephone",
	"mobile",
	"msisdn",
	"номер",
	"телефон",
];
const NAME_HEADERS = ["name", "full_name", "fullname", "contact", "имя", "фио"];
const COMMENT_HEADERS = ["comment", "comments", "note", "notes", "комментарий", "примечание"];

/**
 * Parses a CSV of contacts with csv-parse: quoted fields, CRLF, `,` `;` or
 * tab separators (sniffed from the first line, as Excel exports differ by
 * locale), and an optional header row, detected by its names or by the first
 * row having no digits where the second has a number. Without a header the
 * columns are number, name, comment, then `col4`, `col5`… as fields.
 *
 * @example parseContactsCsv("phone,name\n+14155550100,Ann\n") // { header: true, rows: [{ line: 2, number: "+14155550100", name: "Ann" }] }
 */
export function parseContactsCsv(text: string): { header: boolean; rows: RawContact[] } {
	const firstLine = text.slice(0, text.search(/\r?\n|$/));
	const delimiter =
		[",", ";", "\t"]
			.map((d) => [d, firstLine.split(d).length] as const)
			.sort((a, b) => b[1] - a[1])[0]?.[0] ?? ",";
	const options = {
		delimiter,
		bom: true,
		relax_column_count: true,
		max_record_size: CONTACT_LIMITS.record,
		skip_empty_lines: true,
		trim: true,
	};
	let records: string[][];
	let lines: number[];
	try {
		const plain = parsePlainCsv(text, delimiter, CONTACT_LIMITS.record);
		if (plain) ({ records, lines } = plain);
		else ({ records, lines } = parseWithCsvParse(text, options));
	} catch (err) {
		if (err instanceof CsvError) {
			const line = (err as unknown as { lines?: number }).lines;
			if (err.code === "CSV_MAX_RECORD_SIZE")
				throw tooLong(line, `a row longer than ${CONTACT_LIMITS.record} characters`);
			throw new ContactFileError(
				"CSV_MALFORMED",
				`The CSV could not be parsed${line ? ` at line ${line}` : ""}: ${err.message}`,
				line,
			);
		}
		throw err;
	}
	if (records.length === 0) throw new ContactFileError("CONTACTS_EMPTY", "The file has no rows");
	const first = records[0]?.map((c) => c.toLowerCase().replace(/[\s-]+/g, "_")) ?? [];
	const named = first.some(
		(c) => NUMBER_HEADERS.includes(c) || NAME_HEADERS.includes(c) || COMMENT_HEADERS.includes(c),
	);
	const second = records[1] ?? [];
	const header = named || (!first.some((c) => /\d{3}/.test(c)) && second.some((c) => /\d{3}/.test(c)));
	const names = header ? (records[0] ?? []) : [];
	const keys = header ? first : [];
	const col = (want: string[], fallback: number) => {
		const i = keys.findIndex((k) => want.includes(k));
		return header ? i : fallback;
	};
	let numberCol = col(NUMBER_HEADERS, 0);
	if (numberCol < 0) numberCol = 0;
	const nameCol = col(NAME_HEADERS, 1);
	const commentCol = col(COMMENT_HEADERS, 2);
	if (names.some((n) => n.length > CONTACT_LIMITS.fieldName))
		throw tooLong(1, `a column name over ${CONTACT_LIMITS.fieldName} characters`);
	const rows: RawContact[] = [];
	for (let r = header ? 1 : 0; r < records.length; r++) {
		const record = records[r] as string[];
		const row: RawContact = { line: lines[r] as number, number: record[numberCol] ?? "" };
		let fields: Record<string, string> | undefined;
		for (let i = 0; i < record.length; i++) {
			const value = record[i];
			if (i === numberCol || !value) continue;
			if (i === nameCol) row.name = value;
			else if (i === commentCol) row.comment = value;
			else {
				fields ??= {};
				fields[header ? (names[i] ?? `col${i + 1}`) : `col${i + 1}`] = value;
			}
		}
		if (fields) row.fields = fields;
		checkLengths(row);
		rows.push(row);
	}
	return { header, rows };
}

function tooLong(line: number | undefined, what: string) {
	return new ContactFileError("CSV_FIELD_TOO_LONG", `Line ${line ?? "?"} has ${what}`, line);
}

/** Refuses a row with a value longer than {@link CONTACT_LIMITS} allows for its column. */
function checkLengths(row: RawContact) {
	const over = (value: string | undefined, max: number) => (value?.length ?? 0) > max;
	if (over(row.number, CONTACT_LIMITS.number))
		throw tooLong(row.line, `a number over ${CONTACT_LIMITS.number} characters`);
	if (over(row.name, CONTACT_LIMITS.name))
		throw tooLong(row.line, `a name over ${CONTACT_LIMITS.name} characters`);
	if (over(row.comment, CONTACT_LIMITS.comment))
		throw tooLong(row.line, `a comment over ${CONTACT_LIMITS.comment} characters`);
	if (row.fields)
		for (const k in row.fields)
			if (over(row.fields[k], CONTACT_LIMITS.field))
				throw tooLong(row.line, `a field over ${CONTACT_LIMITS.field} characters`);
}

/** csv-parse's records, and each record's line (from csv-parse's `info` when one spans lines). */
function parseWithCsvParse(text: string, options: Options): { records: string[][]; lines: number[] } {
	const records = parse(text, options) as string[][];
	// Each record's line, for rejected rows and the stored contacts: counted here when every
	// record is one line, else from csv-parse's `info`, which costs as much as the parse again.
	const counted = recordLines(text, records.length);
	if (counted) return { records, lines: counted };
	const withInfo = parse(text, { ...options, info: true }) as unknown as {
		record: string[];
		info: { lines: number };
	}[];
	return { records: withInfo.map((r) => r.record), lines: withInfo.map((r) => r.info.lines) };
}

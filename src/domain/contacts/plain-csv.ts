/**
 * Records and their lines for the common contact file, without csv-parse:
 * every record on one physical line, line endings all LF or all CRLF, and a
 * quote only around a whole field (`"Smith, Ann"`) with no quote or line
 * break inside it. Within that, it gives exactly what csv-parse gives with
 * the options parse.ts uses (`bom`, `trim`, `skip_empty_lines`,
 * `relax_column_count`): fields trimmed of ECMAScript white space outside
 * quotes, lines of white space alone skipped, a leading BOM dropped. For
 * anything else (an escaped `""`, a quote inside a field, a quoted line break,
 * mixed or bare-CR line endings, a line that could pass `maxRecord`) it
 * returns null, and the caller asks csv-parse, which also gives the errors.
 * In Node it reads the bench's 100,000-row file (bench/campaign) in 55-70 ms
 * where csv-parse takes 170-250 ms. test-node/contacts/plain-csv.test.ts
 * checks it against csv-parse on generated files.
 *
 * @example parsePlainCsv('a, "b,c"\n\n d\n', ",", 16384) // { records: [["a", "b,c"], ["d"]], lines: [1, 3] }
 */
export function parsePlainCsv(
	text: string,
	delimiter: string,
	maxRecord: number,
): { records: string[][]; lines: number[] } | null {
	const delim = delimiter.charCodeAt(0);
	// A lone surrogate, which csv-parse would turn into U+FFFD (a strict decoder never gives one).
	if (delimiter.length !== 1 || !text.isWellFormed()) return null;
	const crlf = text.includes("\r");
	// A UTF-8 BOM is dropped by csv-parse's `bom` (a second one would be trimmed as white space).
	let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	const records: string[][] = [];
	const lines: number[] = [];
	// Bytes per UTF-16 unit are at most 3, so a line this short cannot pass csv-parse's byte limit.
	const longest = Math.floor(maxRecord / 3);
	for (let line = 1; start <= text.length; line++) {
		const nl = text.indexOf("\n", start);
		let end = nl === -1 ? text.length : nl;
		if (crlf) {
			if (nl !== -1) {
				if (text.charCodeAt(nl - 1) !== 13) return null;
				end = nl - 1;
			}
			const cr = text.indexOf("\r", start);
			if (cr !== -1 && cr < end) return null;
		}
		if (end - start > longest) return null;
		if (!blank(text, start, end, delim)) {
			const record = fields(text, start, end, delimiter, delim);
			if (!record) return null;
			records.push(record);
			lines.push(line);
		}
		if (nl === -1) break;
		start = nl + 1;
	}
	return { records, lines };
}

/** The fields of one line, or null when a quote is anywhere but around a whole field. */
function fields(text: string, start: number, end: number, delimiter: string, delim: number): string[] | null {
	const record: string[] = [];
	for (let i = start; ; ) {
		// Around quotes only spaces and tabs: csv-parse refuses some other white space after a closing quote.
		let j = i;
		while (j < end && text.charCodeAt(j) !== delim && isBlank(text.charCodeAt(j))) j++;
		if (j < end && text.charCodeAt(j) === 34) {
			const close = text.indexOf('"', j + 1);
			if (close === -1 || close >= end) return null;
			let k = close + 1;
			while (k < end && text.charCodeAt(k) !== delim && isBlank(text.charCodeAt(k))) k++;
			if (k < end && text.charCodeAt(k) !== delim) return null;
			record.push(text.slice(j + 1, close));
			if (k === end) return record;
			i = k + 1;
			continue;
		}
		let d = text.indexOf(delimiter, i);
		if (d === -1 || d > end) d = end;
		const raw = text.slice(i, d);
		if (raw.includes('"')) return null;
		record.push(raw.trim());
		if (d === end) return record;
		i = d + 1;
	}
}

/** Nothing but white space, and no delimiter (a line of tabs is a record of empty fields in a TSV). */
function blank(text: string, start: number, end: number, delim: number): boolean {
	for (let i = start; i < end; i++) {
		const c = text.charCodeAt(i);
		if (c === delim || !isSpace(c)) return false;
	}
	return true;
}

const isBlank = (c: number) => c === 32 || c === 9;

/** ECMAScript white space and line terminators: what `String.prototype.trim` and csv-parse's `trim` remove. */
function isSpace(c: number): boolean {
	if (c < 128) return c === 32 || (c >= 9 && c <= 13);
	return (
		c === 0xa0 ||
		c === 0x1680 ||
		(c >= 0x2000 && c <= 0x200a) ||
		c === 0x2028 ||
		c === 0x2029 ||
		c === 0x202f ||
		c === 0x205f ||
		c === 0x3000 ||
		c === 0xfeff
	);
}

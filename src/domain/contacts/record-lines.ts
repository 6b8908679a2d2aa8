/**
 * The line each CSV record starts on, found without csv-parse's `info`
 * option: `info` builds a dozen-field object per record, which made parsing
 * a 100,000-row upload about twice as slow as parsing it alone. This answers
 * only for the plain case, where every record is one physical line: no quoted
 * field holds a line break, the line endings are all LF or all CRLF, and the
 * only lines csv-parse skips are blank ones (spaces and tabs, a subset of what
 * it trims). It returns null whenever that is not certain, or when its count
 * of records differs from csv-parse's, and the caller then parses again with
 * `info`. test-node/contacts/record-lines.test.ts checks it against `info` on
 * generated files.
 *
 * @example recordLines('a\n\n"b"\n', 2) // [1, 3]
 */
export function recordLines(text: string, records: number): number[] | null {
	const crlf = text.includes("\r");
	if (quotedLineBreak(text, crlf)) return null;
	const lines: number[] = [];
	let line = 0;
	for (let start = 0; ; ) {
		const nl = text.indexOf("\n", start);
		const end = nl === -1 ? text.length : nl;
		line++;
		let stop = end;
		if (crlf) {
			if (nl !== -1) {
				if (text.charCodeAt(nl - 1) !== 13) return null;
				stop = nl - 1;
			}
			const cr = text.indexOf("\r", start);
			if (cr !== -1 && cr < stop) return null;
		}
		if (!blank(text, start, stop)) lines.push(line);
		if (nl === -1) break;
		start = nl + 1;
	}
	return lines.length === records ? lines : null;
}

/** Whether a quoted field (between a pair of quotes) holds LF, or CR when the text has any. */
function quotedLineBreak(text: string, cr: boolean): boolean {
	for (let open = text.indexOf('"'); open !== -1; ) {
		const close = text.indexOf('"', open + 1);
		if (close === -1) return true;
		const lf = text.indexOf("\n", open + 1);
		if (lf !== -1 && lf < close) return true;
		// Searched only when there is one: each search runs to the next match.
		const at = cr ? text.indexOf("\r", open + 1) : -1;
		if (at !== -1 && at < close) return true;
		open = text.indexOf('"', close + 1);
	}
	return false;
}

/** Only spaces and tabs between `start` and `stop`. */
function blank(text: string, start: number, stop: number): boolean {
	for (let i = start; i < stop; i++) {
		const c = text.charCodeAt(i);
		if (c !== 32 && c !== 9) return false;
	}
	return true;
}

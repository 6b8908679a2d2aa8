/** What a spreadsheet may run as a formula when a cell starts with it (OWASP CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell, safe to open in a spreadsheet, following OWASP's CSV
 * injection rule: a text cell starting with = + - @ tab or CR gets a leading
 * single quote (so `-2+3+cmd|' /C calc'!A0` and `+14155550100` alike are
 * text), and a cell holding the separator, a double quote, CR or LF is
 * quoted (RFC 4180). Numbers are written as numbers: a negative one is not a
 * formula. Every CSV the API writes goes through here.
 *
 * @example csvCell("=1+1") // "'=1+1"
 * @example csvCell('say "hi", then') // "\"say \"\"hi\"\", then\""
 */
export function csvCell(v: unknown, separator = ","): string {
	if (v === null || v === undefined) return "";
	if (typeof v === "number" && Number.isFinite(v)) return String(v);
	let s = String(v);
	if (FORMULA_START.test(s)) s = `'${s}`;
	return s.includes(separator) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record with its CRLF. @example csvRow(["a", 1]) // "a,1\r\n" */
export function csvRow(values: readonly unknown[], separator = ","): string {
	return `${values.map((v) => csvCell(v, separator)).join(separator)}\r\n`;
}

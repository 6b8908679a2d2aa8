import { stripUnsafe, UNSAFE_NAME_CHARS } from "@hatch/contract/names";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { e164AsIs } from "./e164";
import { FirstSeen } from "./first-seen";
import type { RawContact } from "./parse";

export type Contact = {
	line: number;
	number: string;
	name?: string;
	comment?: string;
	fields?: Record<string, string>;
};
export type RejectedRow = { line: number; value: string; reason: "INVALID_NUMBER" | "DO_NOT_CALL" };

/** How many rejected rows a response lists; the counts are always complete. */
export const MAX_REPORTED_ROWS = 1000;

/**
 * Turns raw rows into E.164 contacts: numbers parsed with libphonenumber-js
 * (national numbers read in `region`), invalid ones reported with their
 * line, duplicates merged into the first occurrence (which keeps its line
 * and gains the name/comment/fields it lacked), do-not-call numbers left out.
 *
 * @example normalizeContacts(rows, "GB", new Set(["+447700900123"]))
 */
export function normalizeContacts(rows: RawContact[], region: string, dnc: ReadonlySet<string>) {
	const contacts: Contact[] = [];
	const firstSeen = new FirstSeen(rows.length);
	const rejected: RejectedRow[] = [];
	let invalid = 0;
	let duplicates = 0;
	let doNotCall = 0;
	for (const row of rows) {
		const e164 = toE164(row.number, region);
		if (!e164) {
			invalid++;
			if (rejected.length < MAX_REPORTED_ROWS)
				rejected.push({ line: row.line, value: row.number.slice(0, 64), reason: "INVALID_NUMBER" });
			continue;
		}
		if (dnc.has(e164)) {
			doNotCall++;
			if (rejected.length < MAX_REPORTED_ROWS)
				rejected.push({ line: row.line, value: e164, reason: "DO_NOT_CALL" });
			continue;
		}
		const at = firstSeen.claim(e164);
		if (at !== -1) {
			const seen = contacts[at] as Contact;
			duplicates++;
			seen.name ??= clean(row.name);
			seen.comment ??= clean(row.comment);
			if (row.fields) seen.fields = { ...cleanFields(row.fields), ...seen.fields };
			continue;
		}
		contacts.push({
			line: row.line,
			number: e164,
			name: clean(row.name),
			comment: clean(row.comment),
			fields: cleanFields(row.fields),
		});
	}
	return { contacts, rejected, invalid, duplicates, doNotCall };
}

/** Contact text with control and bidi-override characters stripped (never refused: one bad cell must not sink a file). */
function clean(s: string | undefined): string | undefined {
	return s === undefined ? undefined : strip(s) || undefined;
}

/** stripUnsafe, with the common case (nothing to strip) answered without its regular expressions. */
function strip(s: string): string {
	return !UNSAFE_NAME_CHARS.test(s) && !s.includes("  ") ? s.trim() : stripUnsafe(s);
}

function cleanFields(fields: Record<string, string> | undefined) {
	if (!fields) return undefined;
	// Most rows have nothing to strip: keep their object rather than copy it.
	let same = true;
	for (const k in fields) {
		const v = fields[k] ?? "";
		if (strip(k) !== k || strip(v) !== v) {
			same = false;
			break;
		}
	}
	return same ? fields : Object.fromEntries(Object.entries(fields).map(([k, v]) => [strip(k), strip(v)]));
}

/** E.164 for a number as typed, or null when it is not a valid phone number. */
export function toE164(raw: string, region: string): string | null {
	const trimmed = raw.trim();
	const cleaned = trimmed.charCodeAt(0) === 43 ? trimmed : trimmed.replace(/^00/, "+");
	// Most uploads are E.164 already: the library's own verdict, without its general parser, asked once
	// and before the general path's checks (a number it answers for is plain E.164, so passes them).
	const fast = e164AsIs(cleaned);
	if (fast !== undefined) return fast;
	if (!cleaned || cleaned.length > 32 || !/\d/.test(cleaned)) return null;
	const parsed = parsePhoneNumberFromString(cleaned, region as CountryCode);
	return parsed?.isValid() ? parsed.number : null;
}

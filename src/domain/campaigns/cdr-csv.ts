import type { Cdr } from "./engine-store";

const COLUMNS = [
	"call_id",
	"number",
	"attempt",
	"outcome",
	"state",
	"created_at",
	"started_at",
	"answered_at",
	"ended_at",
	"billed_s",
	"ring_ms",
	"talk_ms",
	"sip_code",
	"reason",
	"dtmf",
	"amd",
	"amd_ms",
] as const;

/** RFC 4180 quoting; a leading = + - @ is prefixed so spreadsheets do not run it as a formula. */
function cell(v: unknown): string {
	if (v === null || v === undefined) return "";
	let s = String(v);
	if (/^[=+\-@]/.test(s) && !/^[+-]?\d/.test(s)) s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Streams call records as CSV, a page at a time, so an export of a large
 * campaign never holds every row in memory.
 *
 * @example new Response(cdrCsv((after) => stub.listCalls({ after, limit: 1000 })))
 */
export function cdrCsv(
	page: ((after: number) => Promise<{ items: Cdr[]; next_after: number | null }>) | null,
): ReadableStream<Uint8Array> {
	const enc = new TextEncoder();
	let after: number | null = 0;
	let headerSent = false;
	return new ReadableStream({
		async pull(controller) {
			if (!headerSent) {
				headerSent = true;
				controller.enqueue(enc.encode(`${COLUMNS.join(",")}\r\n`));
				return;
			}
			if (after === null || !page) return controller.close();
			const res = await page(after);
			const lines = res.items.map((r) => `${COLUMNS.map((k) => cell(r[k])).join(",")}\r\n`).join("");
			if (lines) controller.enqueue(enc.encode(lines));
			after = res.next_after;
			if (after === null) controller.close();
		},
	});
}

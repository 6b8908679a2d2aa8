import { csvRow } from "../../lib/csv";
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

/**
 * Streams call records as CSV (every cell through csvCell), a page at a time, so an export of a large
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
				controller.enqueue(enc.encode(csvRow(COLUMNS)));
				return;
			}
			if (after === null || !page) return controller.close();
			const res = await page(after);
			const lines = res.items.map((r) => csvRow(COLUMNS.map((k) => r[k]))).join("");
			if (lines) controller.enqueue(enc.encode(lines));
			after = res.next_after;
			if (after === null) controller.close();
		},
	});
}

import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "../../db/schema";
import { calls, users } from "../../db/schema";
import type { CallRecord } from "./types";

/** Any drizzle handle on D1: `c.var.db` in routes, `createDb(env.DB)` in Durable Objects. */
type Db = DrizzleD1Database<typeof schema>;

/**
 * Writes the history row for a finished call. Idempotent on the call id, so
 * a retry after a crash between "ended" and "written" cannot double it.
 *
 * @example await recordCall(createDb(env.DB), endedCall);
 */
export async function recordCall(db: Db, call: CallRecord): Promise<void> {
	if (call.state !== "ended" || !call.end || call.endedAt === null)
		throw new Error("recordCall needs an ended call");
	const durationS =
		call.answeredAt === null ? 0 : Math.max(0, Math.round((call.endedAt - call.answeredAt) / 1000));
	await db
		.insert(calls)
		.values({
			id: call.id,
			callerId: call.callerId,
			calleeId: call.calleeId,
			startedAt: new Date(call.startedAt),
			answeredAt: call.answeredAt === null ? null : new Date(call.answeredAt),
			endedAt: new Date(call.endedAt),
			durationS,
			endCode: call.end.code,
			endReason: call.end.reason,
			endedBy: call.end.endedBy,
		})
		.onConflictDoNothing();
}

/** One call as the history API shows it to one of its two parties. */
export type CallHistoryItem = {
	id: string;
	direction: "outgoing" | "incoming";
	peer: { id: string; display_name: string };
	started_at: number;
	answered_at: number | null;
	ended_at: number;
	duration_s: number;
	end_code: number;
	end_reason: string;
	ended_by: "caller" | "callee" | "system";
	/** Incoming, never answered and not declined by the callee: what a phone shows as a missed call. */
	missed: boolean;
};

export const HISTORY_PAGE = { DEFAULT: 50, MAX: 100 } as const;

/**
 * The user's calls, newest first, either direction. `pageToken` is the last
 * id of the previous page (ids are time-ordered), so pages stay stable while
 * new calls arrive.
 *
 * @example const { calls, next_page_token } = await listCalls(db, me, { pageSize: 20 });
 */
export async function listCalls(
	db: Db,
	userId: string,
	q: { pageToken?: string; pageSize?: number },
): Promise<{ calls: CallHistoryItem[]; next_page_token: string | null }> {
	const size = Math.min(HISTORY_PAGE.MAX, Math.max(1, q.pageSize ?? HISTORY_PAGE.DEFAULT));
	const mine = or(eq(calls.callerId, userId), eq(calls.calleeId, userId));
	const rows = await db
		.select()
		.from(calls)
		.where(q.pageToken ? and(mine, lt(calls.id, q.pageToken)) : mine)
		.orderBy(desc(calls.id))
		.limit(size + 1);
	const page = rows.slice(0, size);
	const peerIds = [...new Set(page.map((r) => (r.callerId === userId ? r.calleeId : r.callerId)))];
	const names = new Map<string, string>();
	if (peerIds.length) {
		const found = await db
			.select({ id: users.id, displayName: users.displayName })
			.from(users)
			.where(inArray(users.id, peerIds));
		for (const u of found) names.set(u.id, u.displayName);
	}
	const items = page.map((r): CallHistoryItem => {
		const outgoing = r.callerId === userId;
		const peerId = outgoing ? r.calleeId : r.callerId;
		return {
			id: r.id,
			direction: outgoing ? "outgoing" : "incoming",
			peer: { id: peerId, display_name: names.get(peerId) ?? "" },
			started_at: r.startedAt.getTime(),
			answered_at: r.answeredAt?.getTime() ?? null,
			ended_at: r.endedAt.getTime(),
			duration_s: r.durationS,
			end_code: r.endCode,
			end_reason: r.endReason,
			ended_by: r.endedBy,
			missed: !outgoing && r.answeredAt === null && r.endedBy !== "callee",
		};
	});
	const more = rows.length > size;
	return { calls: items, next_page_token: more ? (page[page.length - 1]?.id ?? null) : null };
}

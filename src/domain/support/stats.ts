import type { SupportOperatorStats } from "@hatch/contract/support-frames";
import type { Conversation, Person } from "./queue";

type Reply = { operator_id: string; conversation_id: string; at: number; waited_ms: number | null };

/** The median of some numbers (the mean of the middle two for an even count), or null for none. */
export function median(xs: number[]): number | null {
	if (!xs.length) return null;
	const s = [...xs].sort((a, b) => a - b);
	const mid = Math.floor(s.length / 2);
	return s.length % 2 ? (s[mid] as number) : Math.round(((s[mid - 1] as number) + (s[mid] as number)) / 2);
}

/** Midnight UTC of the day `now` falls in. */
export function startOfDayUtc(now: number): number {
	return now - (now % 86_400_000);
}

/**
 * Per-operator figures: `open` conversations they hold now, conversations
 * they `answered_today` (UTC), and the median wait of the customers they
 * answered (first responses: replies to a waiting customer) over `replies`.
 *
 * @example operatorStats(operators, store.list({status: "assigned"}), store.replies(since), Date.now())
 */
export function operatorStats(
	operators: Person[],
	assigned: Conversation[],
	replies: Reply[],
	now: number,
): SupportOperatorStats[] {
	const today = startOfDayUtc(now);
	return operators.map((op) => {
		const mine = replies.filter((r) => r.operator_id === op.id);
		return {
			operator: { id: op.id, name: op.name },
			open: assigned.filter((c) => c.assignee?.id === op.id).length,
			answered_today: new Set(mine.filter((r) => r.at >= today).map((r) => r.conversation_id)).size,
			median_first_response_ms: median(mine.flatMap((r) => (r.waited_ms === null ? [] : [r.waited_ms]))),
		};
	});
}

import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * Call history: one row per call, written by the caller's UserHub when the
 * call ends (signalling only; media never touches Hatch). Ids are UUIDv7, so
 * `id` order is start order and doubles as the pagination cursor.
 */
export const calls = sqliteTable(
	"calls",
	{
		id: text("id").primaryKey(),
		callerId: text("caller_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		calleeId: text("callee_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
		answeredAt: integer("answered_at", { mode: "timestamp_ms" }),
		endedAt: integer("ended_at", { mode: "timestamp_ms" }).notNull(),
		/** Seconds from answer to end; 0 when never answered. */
		durationS: integer("duration_s").notNull().default(0),
		/** SIP response code the call ended with (200 normal, 486 busy, 480 no answer, 500 dropped …). */
		endCode: integer("end_code").notNull(),
		endReason: text("end_reason").notNull(),
		endedBy: text("ended_by", { enum: ["caller", "callee", "system"] }).notNull(),
	},
	(t) => [index("calls_caller_idx").on(t.callerId, t.id), index("calls_callee_idx").on(t.calleeId, t.id)],
);

export type CallRow = typeof calls.$inferSelect;

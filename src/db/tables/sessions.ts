import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * A signed-in device. The session is the refresh-token family: every
 * rotation stays in it, and revoking it ends every token it ever issued
 * (and, through the check in requireAuth, its live access tokens).
 */
export const sessions = sqliteTable(
	"sessions",
	{
		id: text("id").primaryKey(),
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		userAgent: text("user_agent"),
		ip: text("ip"),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }).notNull(),
		/** Absolute end: rotation never extends it (14 days from sign-in). */
		expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
		revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
		revokeReason: text("revoke_reason"),
	},
	(t) => [index("sessions_user_idx").on(t.userId)],
);

/**
 * Refresh tokens, stored as SHA-256 of the 256-bit random value. A rotated
 * token keeps its row (`rotated_at` set) so that presenting it again is
 * recognised as reuse and revokes the family.
 */
export const refreshTokens = sqliteTable(
	"refresh_tokens",
	{
		id: text("id").primaryKey(),
		sessionId: text("session_id")
			.notNull()
			.references(() => sessions.id, { onDelete: "cascade" }),
		tokenHash: text("token_hash").notNull().unique(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		rotatedAt: integer("rotated_at", { mode: "timestamp_ms" }),
	},
	(t) => [index("refresh_tokens_session_idx").on(t.sessionId)],
);

export type SessionRow = typeof sessions.$inferSelect;

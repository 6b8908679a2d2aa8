import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * Single-use tokens sent by email, stored as SHA-256. `register` tokens
 * carry the pending account (no user row exists until the mailbox owner
 * confirms); `change_email` tokens are bound to the new address.
 */
export const emailTokens = sqliteTable(
	"email_tokens",
	{
		id: text("id").primaryKey(),
		purpose: text("purpose", {
			enum: ["register", "confirm_email", "reset_password", "change_email"],
		}).notNull(),
		userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
		email: text("email").notNull(),
		tokenHash: text("token_hash").notNull().unique(),
		data: text("data", { mode: "json" }).$type<{ passwordHash: string; displayName: string }>(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
		usedAt: integer("used_at", { mode: "timestamp_ms" }),
	},
	(t) => [index("email_tokens_user_idx").on(t.userId), index("email_tokens_email_idx").on(t.email)],
);

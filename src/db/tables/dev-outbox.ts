import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * What the `console` SMS and email providers would have sent, so a
 * developer (or a test) can read codes and links. Only written when
 * ENVIRONMENT is development or test; the providers refuse otherwise.
 */
export const devOutbox = sqliteTable(
	"dev_outbox",
	{
		id: text("id").primaryKey(),
		channel: text("channel", { enum: ["sms", "email"] }).notNull(),
		recipient: text("recipient").notNull(),
		subject: text("subject"),
		body: text("body").notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("dev_outbox_recipient_idx").on(t.recipient)],
);

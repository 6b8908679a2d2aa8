import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./users";

/**
 * The chat index. Messages live in each chat's ChatRoom Durable Object; D1
 * keeps what is queried across chats (a user's inbox) so listing chats never
 * wakes every ChatRoom. `last_*` columns are a summary the ChatRoom writes
 * after each message; `direct_key` is "<smaller user id>:<larger user id>"
 * for direct chats, unique, so there is exactly one direct chat per pair.
 */
export const chats = sqliteTable(
	"chats",
	{
		id: text("id").primaryKey(),
		kind: text("kind", { enum: ["direct", "group", "support"] }).notNull(),
		name: text("name"),
		ownerId: text("owner_id").references(() => users.id, { onDelete: "set null" }),
		directKey: text("direct_key").unique(),
		/** End-to-end encrypted: messages are message groups of per-device ciphertexts (src/domain/e2e). */
		e2e: integer("e2e", { mode: "boolean" }).notNull().default(false),
		lastSeq: integer("last_seq").notNull().default(0),
		lastMessageText: text("last_message_text"),
		lastMessageSenderId: text("last_message_sender_id"),
		lastMessageAt: integer("last_message_at", { mode: "timestamp_ms" }),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("chats_updated_at_idx").on(t.updatedAt)],
);

/**
 * Membership. Other areas (files) authorise with
 * `chat_members(chat_id, user_id, status = 'active')`: keep these names.
 * `invited` members see the chat in their list but cannot read or send.
 */
export const chatMembers = sqliteTable(
	"chat_members",
	{
		chatId: text("chat_id")
			.notNull()
			.references(() => chats.id, { onDelete: "cascade" }),
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		role: text("role", { enum: ["owner", "admin", "member"] })
			.notNull()
			.default("member"),
		status: text("status", { enum: ["active", "invited"] })
			.notNull()
			.default("active"),
		muted: integer("muted", { mode: "boolean" }).notNull().default(false),
		lastReadSeq: integer("last_read_seq").notNull().default(0),
		invitedBy: text("invited_by"),
		joinedAt: integer("joined_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`),
	},
	(t) => [
		primaryKey({ columns: [t.chatId, t.userId] }),
		index("chat_members_user_idx").on(t.userId, t.status),
	],
);

export type ChatRow = typeof chats.$inferSelect;
export type ChatMemberRow = typeof chatMembers.$inferSelect;

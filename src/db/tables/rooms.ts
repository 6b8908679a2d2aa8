import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { chats } from "./chats";
import { users } from "./users";

/**
 * Rooms (the Egg seed's rooms, like Matrix spaces): a tree of rooms, each with
 * its own group chat (`chat_id`), its direct members, and its subrooms.
 * `root_id` names the tree a room belongs to, so a whole tree is one indexed
 * read (trees are bounded by ROOM_LIMITS.TREE_MAX, src/domain/rooms/tree.ts).
 * Membership is inherited down the tree; the rules are in tree.ts.
 */
export const rooms = sqliteTable(
	"rooms",
	{
		id: text("id").primaryKey(),
		rootId: text("root_id").notNull(),
		parentId: text("parent_id"),
		name: text("name").notNull(),
		ownerId: text("owner_id").references(() => users.id, { onDelete: "set null" }),
		chatId: text("chat_id").references(() => chats.id, { onDelete: "set null" }),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [
		index("rooms_root_idx").on(t.rootId),
		index("rooms_parent_idx").on(t.parentId),
		// The chats API asks, for every group-chat admin action, whether the chat is a room's (ROOM_CHAT).
		index("rooms_chat_idx").on(t.chatId),
	],
);

/** A room's direct members. `owner` manages the room and everything below it. */
export const roomMembers = sqliteTable(
	"room_members",
	{
		roomId: text("room_id")
			.notNull()
			.references(() => rooms.id, { onDelete: "cascade" }),
		userId: text("user_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		role: text("role", { enum: ["owner", "member"] })
			.notNull()
			.default("member"),
		addedBy: text("added_by"),
		joinedAt: integer("joined_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`),
	},
	(t) => [primaryKey({ columns: [t.roomId, t.userId] }), index("room_members_user_idx").on(t.userId)],
);

export type RoomRow = typeof rooms.$inferSelect;
export type RoomMemberRow = typeof roomMembers.$inferSelect;

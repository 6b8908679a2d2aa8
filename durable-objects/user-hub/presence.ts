import type { HubEvent } from "@hatch/contract/frames";
import { and, eq, ne } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { createDb, type Db } from "../../src/db/client";
import { chatMembers, chats, users } from "../../src/db/schema";
import { hubOf, pushToDevices } from "../../src/domain/chats/deps";
import { shareChat } from "../../src/domain/chats/shared";

/**
 * Tells the user's direct-chat contacts that they came online or went away,
 * unless the user is hidden. Only direct contacts: announcing to every group
 * member would cost O(members²) events for a large group, and messengers
 * show presence in one-to-one threads.
 */
export async function announcePresence(env: Env, userId: string, online: boolean, lastSeen: number | null) {
	if (!userId) return;
	const db = createDb(env.DB);
	const me = await hiddenOf(db, userId);
	if (me === undefined || me.hidden) return;
	const other = alias(chatMembers, "o");
	const contacts = await db
		.selectDistinct({ userId: other.userId })
		.from(chatMembers)
		.innerJoin(chats, and(eq(chats.id, chatMembers.chatId), eq(chats.kind, "direct")))
		.innerJoin(other, and(eq(other.chatId, chatMembers.chatId), ne(other.userId, chatMembers.userId)))
		.where(eq(chatMembers.userId, userId))
		.limit(500);
	const event = { type: "presence", user_id: userId, online, last_seen: lastSeen } satisfies HubEvent;
	await Promise.allSettled(contacts.map((r) => pushToDevices(env, r.userId, event)));
}

/** Whether the user hides their presence; undefined for no such user. */
function hiddenOf(db: Db, userId: string) {
	return db.select({ hidden: users.hidden }).from(users).where(eq(users.id, userId)).get();
}

/**
 * Presence of `userId` as `viewerId` may see it, or null (the same as an
 * unknown user) when the viewer shares no chat with them (`shareChat`,
 * the rule for ringing someone too): presence is for contacts, as the socket announces it. Hidden users
 * always look offline with no last visit.
 *
 * @example const p = await presenceOf(env, me, otherId); // null → 404 USER_NOT_FOUND
 */
export async function presenceOf(env: Env, viewerId: string, userId: string) {
	const db = createDb(env.DB);
	const u = await hiddenOf(db, userId);
	if (!u || (viewerId !== userId && !(await shareChat(db, viewerId, userId)))) return null;
	if (u.hidden) return { user_id: userId, online: false, last_seen: null };
	const p = await hubOf(env, userId).presence();
	return { user_id: userId, ...p };
}

import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { chatMembers, chats } from "../../db/schema";
import { roomOf } from "../chats/deps";
import type { QueueEffect } from "./queue";

/**
 * The support conversation is a Hatch chat of kind `support`: the customer is
 * its member from the start, the assigned operator while assigned (so the
 * ChatRoom lets them write, and their other devices see it as a chat).
 *
 * @example await createSupportChat(db, chatId, customerId);
 */
export async function createSupportChat(db: Db, chatId: string, customerId: string, now = new Date()) {
	await db.batch([
		db
			.insert(chats)
			.values({ id: chatId, kind: "support", name: "Support", createdAt: now, updatedAt: now })
			.onConflictDoNothing(),
		db
			.insert(chatMembers)
			.values({ chatId, userId: customerId, role: "owner", status: "active", joinedAt: now })
			.onConflictDoNothing(),
	]);
}

/** Performs the queue's membership effects in D1, then tells the ChatRoom to reload its members. */
export async function applyMembership(env: Env, db: Db, effects: QueueEffect[]) {
	for (const e of effects) {
		if (e.type === "member_add")
			await db
				.insert(chatMembers)
				.values({
					chatId: e.chat_id,
					userId: e.user_id,
					role: "member",
					status: "active",
					joinedAt: new Date(),
				})
				.onConflictDoUpdate({ target: [chatMembers.chatId, chatMembers.userId], set: { status: "active" } });
		else
			await db
				.delete(chatMembers)
				.where(
					and(
						eq(chatMembers.chatId, e.chat_id),
						eq(chatMembers.userId, e.user_id),
						eq(chatMembers.role, "member"),
					),
				);
	}
	const touched = new Set(effects.map((e) => e.chat_id));
	for (const chatId of touched)
		await roomOf(env, chatId).membersChanged(chatId, "support_assignment", undefined, false);
}

import { and, eq, inArray } from "drizzle-orm";
import { chatMembers, chats } from "../../db/schema";
import { createLogger } from "../../lib/log";
import { type ChatDeps, roomOf } from "../chats/deps";
import { membersChanged, tell } from "../chats/notify";

/**
 * The chat side of rooms. Each room owns one group chat; a room member
 * becomes an active member of it by entering (or by sending to the room), and
 * leaves it when they lose access to the room. D1 is changed first; the
 * ChatRoom and the hubs are told after, best effort, as the chats domain does
 * (a ChatRoom rereads D1 within MEMBERS_FRESH_MS anyway).
 */

/** The statements that create a room's chat with its creator as owner (batched with the room). */
export function roomChatInserts(deps: ChatDeps, chatId: string, name: string, ownerId: string, now: Date) {
	return [
		deps.db
			.insert(chats)
			.values({ id: chatId, kind: "group", name, ownerId, createdAt: now, updatedAt: now }),
		deps.db
			.insert(chatMembers)
			.values({ chatId, userId: ownerId, role: "owner", status: "active", joinedAt: now }),
	] as const;
}

/** Makes `userId` an active member of the room's chat; returns whether they were not one already. */
export async function joinRoomChat(deps: ChatDeps, chatId: string, userId: string): Promise<boolean> {
	const [row] = await deps.db
		.select({ status: chatMembers.status })
		.from(chatMembers)
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)))
		.limit(1);
	if (row?.status === "active") return false;
	await deps.db
		.insert(chatMembers)
		.values({ chatId, userId, role: "member", status: "active", joinedAt: new Date() })
		.onConflictDoUpdate({ target: [chatMembers.chatId, chatMembers.userId], set: { status: "active" } });
	await membersChanged(deps, chatId, "joined", userId);
	return true;
}

/** Renames a room's chat with the room. */
export function renameRoomChat(deps: ChatDeps, chatId: string, name: string) {
	return deps.db.update(chats).set({ name, updatedAt: new Date() }).where(eq(chats.id, chatId));
}

/** Who of `candidates` is in each of the given chats: [chatId, userId] pairs. */
export async function chatMembersIn(
	deps: ChatDeps,
	chatIds: string[],
): Promise<{ chatId: string; userId: string }[]> {
	const out: { chatId: string; userId: string }[] = [];
	for (let i = 0; i < chatIds.length; i += 50) {
		out.push(
			...(await deps.db
				.select({ chatId: chatMembers.chatId, userId: chatMembers.userId })
				.from(chatMembers)
				.where(inArray(chatMembers.chatId, chatIds.slice(i, i + 50)))),
		);
	}
	return out;
}

/** Takes users out of room chats they may no longer read ([chatId, userId] pairs). */
export async function dropFromRoomChats(deps: ChatDeps, pairs: { chatId: string; userId: string }[]) {
	if (pairs.length === 0) return;
	const [first, ...rest] = pairs.map((p) =>
		deps.db
			.delete(chatMembers)
			.where(and(eq(chatMembers.chatId, p.chatId), eq(chatMembers.userId, p.userId))),
	);
	if (first) await deps.db.batch([first, ...rest]);
	for (const p of pairs) {
		await membersChanged(deps, p.chatId, "removed", p.userId);
		await tell(deps, p.userId, { type: "chat.removed", chat_id: p.chatId, seq: 0, reason: "removed" });
	}
}

/** Deletes room chats outright (the rooms are being deleted): D1 rows, then each ChatRoom's storage. */
export async function destroyRoomChats(deps: ChatDeps, chatIds: string[]) {
	if (chatIds.length === 0) return;
	const members = await chatMembersIn(deps, chatIds);
	for (let i = 0; i < chatIds.length; i += 50)
		await deps.db.delete(chats).where(inArray(chats.id, chatIds.slice(i, i + 50)));
	for (const chatId of chatIds) {
		try {
			await roomOf(deps.env, chatId).destroy(chatId);
		} catch (err) {
			createLogger({ area: "rooms" }, deps.env.LOG_LEVEL).warn("destroy failed", {
				chatId,
				err: String(err),
			});
		}
	}
	for (const m of members)
		await tell(deps, m.userId, { type: "chat.removed", chat_id: m.chatId, seq: 0, reason: "deleted" });
}

import { and, eq, inArray, ne } from "drizzle-orm";
import { chatMembers, chats, users } from "../../db/schema";
import { unwrap } from "../../lib/result";
import { type ChatDeps, roomOf } from "../chats/deps";

export type ConversationRow = {
	id: string;
	private: boolean;
	alias: string | null;
	createdAt: Date;
	updatedAt: Date;
};
export type ConversationUser = { id: string; email: string | null; displayName: string };

/**
 * The e2e chats a user is an active member of, as conversations: private
 * (a direct chat, exactly two people) or a group with its alias.
 *
 * @example const list = await conversationsOf(deps, me);
 */
export async function conversationsOf(deps: ChatDeps, userId: string): Promise<ConversationRow[]> {
	const rows = await deps.db
		.select({ c: chats })
		.from(chatMembers)
		.innerJoin(chats, eq(chats.id, chatMembers.chatId))
		.where(and(eq(chatMembers.userId, userId), eq(chatMembers.status, "active"), eq(chats.e2e, true)));
	return rows.map(({ c }) => ({
		id: c.id,
		private: c.kind === "direct",
		alias: c.name,
		createdAt: c.createdAt,
		updatedAt: c.updatedAt,
	}));
}

/** Everyone else in the user's e2e conversations (each once). */
export async function conversationPeers(deps: ChatDeps, userId: string): Promise<ConversationUser[]> {
	const mine = deps.db
		.select({ id: chatMembers.chatId })
		.from(chatMembers)
		.innerJoin(chats, eq(chats.id, chatMembers.chatId))
		.where(and(eq(chatMembers.userId, userId), eq(chatMembers.status, "active"), eq(chats.e2e, true)));
	const rows = await deps.db
		.selectDistinct({ id: users.id, email: users.email, displayName: users.displayName })
		.from(chatMembers)
		.innerJoin(users, eq(users.id, chatMembers.userId))
		.where(and(inArray(chatMembers.chatId, mine), ne(chatMembers.userId, userId)));
	return rows;
}

/** The e2e direct chat of two users, or null (the Phoenix seed's private conversation lookup). */
export async function privateConversationId(
	deps: ChatDeps,
	userId: string,
	peerId: string,
): Promise<string | null> {
	const key = `e2e:${[userId, peerId].sort().join(":")}`;
	const [row] = await deps.db.select({ id: chats.id }).from(chats).where(eq(chats.directKey, key)).limit(1);
	return row?.id ?? null;
}

/** The seq of the message whose current group is `groupId` (members only; else MESSAGE_NOT_FOUND). */
export async function seqOfGroup(env: Env, userId: string, chatId: string, groupId: string): Promise<number> {
	return unwrap(await roomOf(env, chatId).groupSeq(chatId, userId, groupId));
}

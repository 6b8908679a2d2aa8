import type { ChatView, MemberView } from "@hatch/contract/chats";
import { and, desc, eq, or } from "drizzle-orm";
import { chatMembers, chats, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { ChatDeps } from "./deps";

export type { ChatView, MemberView };

type Row = { chat: typeof chats.$inferSelect; member: typeof chatMembers.$inferSelect };

function view(row: Row, peer: ChatView["peer"]): ChatView {
	const { chat, member } = row;
	return {
		id: chat.id,
		kind: chat.kind,
		name: chat.name,
		owner_id: chat.ownerId,
		last_seq: chat.lastSeq,
		last_message:
			chat.lastMessageSenderId && chat.lastMessageAt
				? {
						sender_id: chat.lastMessageSenderId,
						text: chat.lastMessageText ?? "",
						created_at: chat.lastMessageAt.getTime(),
					}
				: null,
		unread: member.status === "active" ? Math.max(0, chat.lastSeq - member.lastReadSeq) : 0,
		muted: member.muted,
		role: member.role,
		status: member.status,
		peer,
		updated_at: chat.updatedAt.getTime(),
	};
}

/** Peers of the given direct chats, for the inbox. */
async function peersOf({ db }: ChatDeps, userId: string, chatIds: string[]) {
	const peers = new Map<string, ChatView["peer"]>();
	// D1 limits bound parameters per statement; chunk the IN list.
	for (let i = 0; i < chatIds.length; i += 50) {
		const chunk = chatIds.slice(i, i + 50);
		const rows = await db
			.select({
				chatId: chatMembers.chatId,
				id: users.id,
				displayName: users.displayName,
				username: users.username,
			})
			.from(chatMembers)
			.innerJoin(users, eq(users.id, chatMembers.userId))
			.where(and(or(...chunk.map((c) => eq(chatMembers.chatId, c))), eq(chatMembers.status, "active")));
		for (const r of rows) {
			if (r.id !== userId)
				peers.set(r.chatId, { id: r.id, display_name: r.displayName, username: r.username });
		}
	}
	return peers;
}

/**
 * The user's chats, most recently active first, with last message and unread
 * count, from D1 only (no ChatRoom is woken). Invitations are included with
 * `status: "invited"`.
 *
 * @example const inbox = await listChats(deps, userId);
 */
export async function listChats(deps: ChatDeps, userId: string): Promise<ChatView[]> {
	const rows = await deps.db
		.select({ chat: chats, member: chatMembers })
		.from(chatMembers)
		.innerJoin(chats, eq(chats.id, chatMembers.chatId))
		.where(eq(chatMembers.userId, userId))
		.orderBy(desc(chats.updatedAt))
		.limit(1000);
	const directs = rows.filter((r) => r.chat.kind === "direct").map((r) => r.chat.id);
	const peers = directs.length ? await peersOf(deps, userId, directs) : new Map();
	return rows.map((r) => view(r, peers.get(r.chat.id) ?? null));
}

/** The membership row and chat, or NOT_FOUND: a non-member learns nothing, not even that the chat exists. */
export async function membership(deps: ChatDeps, userId: string, chatId: string): Promise<Row> {
	const [row] = await deps.db
		.select({ chat: chats, member: chatMembers })
		.from(chatMembers)
		.innerJoin(chats, eq(chats.id, chatMembers.chatId))
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)))
		.limit(1);
	if (!row) throw new ApiError("NOT_FOUND", "Chat not found");
	return row;
}

/** Like membership() but the member must have accepted. */
export async function activeMembership(deps: ChatDeps, userId: string, chatId: string): Promise<Row> {
	const row = await membership(deps, userId, chatId);
	if (row.member.status !== "active") throw new ApiError("FORBIDDEN", "Accept the invitation first");
	return row;
}

/** Members of a chat with their names. */
export async function membersOf(deps: ChatDeps, chatId: string): Promise<MemberView[]> {
	const rows = await deps.db
		.select({ m: chatMembers, u: { displayName: users.displayName, username: users.username } })
		.from(chatMembers)
		.innerJoin(users, eq(users.id, chatMembers.userId))
		.where(eq(chatMembers.chatId, chatId));
	return rows.map(({ m, u }) => ({
		user_id: m.userId,
		display_name: u.displayName,
		username: u.username,
		role: m.role,
		status: m.status,
	}));
}

/** Chat info for a member (invited members may see it too, to decide). */
export async function getChat(deps: ChatDeps, userId: string, chatId: string) {
	const row = await membership(deps, userId, chatId);
	const members = await membersOf(deps, chatId);
	const peerRow = row.chat.kind === "direct" ? members.find((m) => m.user_id !== userId) : undefined;
	const peer = peerRow
		? { id: peerRow.user_id, display_name: peerRow.display_name, username: peerRow.username }
		: null;
	return { ...view(row, peer), members };
}

/** Resolves "a user by username or id" (chatable threads, Egg invitations). */
export async function resolveUser({ db }: ChatDeps, ref: string) {
	const [u] = await db
		.select({ id: users.id, displayName: users.displayName, username: users.username, hidden: users.hidden })
		.from(users)
		.where(or(eq(users.id, ref), eq(users.username, ref.toLowerCase()), eq(users.username, ref)))
		.limit(1);
	if (!u) throw new ApiError("USER_NOT_FOUND", "No such user", { status: 404 });
	return u;
}

/** Active member ids of a chat, for fan-out. */
export async function activeMemberIds({ db }: ChatDeps, chatId: string): Promise<string[]> {
	const rows = await db
		.select({ userId: chatMembers.userId })
		.from(chatMembers)
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.status, "active")));
	return rows.map((r) => r.userId);
}

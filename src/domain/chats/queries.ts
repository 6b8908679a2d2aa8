import type { ChatView, MemberView, Person } from "@hatch/contract/chats";
import { and, desc, eq, inArray, or } from "drizzle-orm";
import { chatMembers, chats, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { ChatDeps } from "./deps";

export type { ChatView, MemberView };

type Row = { chat: typeof chats.$inferSelect; member: typeof chatMembers.$inferSelect };

/**
 * The chat as `row.member` may see it. An invitee sees the invitation (the
 * chat's name, who invited them, the members) but no content: no last
 * message, no seq, no activity time, until they accept.
 */
function view(row: Row, peer: Person | null, inviter: Person | null): ChatView {
	const { chat, member } = row;
	const invited = member.status !== "active";
	return {
		id: chat.id,
		kind: chat.kind,
		e2e: chat.e2e,
		name: chat.name,
		owner_id: chat.ownerId,
		last_seq: invited ? 0 : chat.lastSeq,
		last_message:
			!invited && chat.lastMessageSenderId && chat.lastMessageAt
				? {
						sender_id: chat.lastMessageSenderId,
						text: chat.lastMessageText ?? "",
						created_at: chat.lastMessageAt.getTime(),
					}
				: null,
		unread: invited ? 0 : Math.max(0, chat.lastSeq - member.lastReadSeq),
		muted: member.muted,
		role: member.role,
		status: member.status,
		peer,
		invited_by: invited ? inviter : null,
		updated_at: invited ? member.joinedAt.getTime() : chat.updatedAt.getTime(),
	};
}

/** Who sent the given users' pending invitations, by inviter id. */
async function invitersOf({ db }: ChatDeps, rows: Row[]) {
	const ids = [
		...new Set(
			rows
				.filter((r) => r.member.status === "invited" && r.member.invitedBy)
				.map((r) => r.member.invitedBy as string),
		),
	];
	const people = new Map<string, Person>();
	// D1 limits bound parameters per statement; chunk the IN list.
	for (let i = 0; i < ids.length; i += 50) {
		const rows = await db
			.select({ id: users.id, displayName: users.displayName, username: users.username })
			.from(users)
			.where(inArray(users.id, ids.slice(i, i + 50)));
		for (const u of rows) people.set(u.id, { id: u.id, display_name: u.displayName, username: u.username });
	}
	return people;
}

/** Peers of the given direct chats, for the inbox. */
async function peersOf({ db }: ChatDeps, userId: string, chatIds: string[]) {
	const peers = new Map<string, Person>();
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
	const peers = directs.length ? await peersOf(deps, userId, directs) : new Map<string, Person>();
	const inviters = await invitersOf(deps, rows);
	return rows.map((r) =>
		view(r, peers.get(r.chat.id) ?? null, inviters.get(r.member.invitedBy ?? "") ?? null),
	);
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
	return chatInfo(deps, userId, await membership(deps, userId, chatId));
}

/** Chat info from a membership row already in hand (an accept has just read and changed it). */
export async function chatInfo(deps: ChatDeps, userId: string, row: Row) {
	const chatId = row.chat.id;
	const members = await membersOf(deps, chatId);
	const peerRow = row.chat.kind === "direct" ? members.find((m) => m.user_id !== userId) : undefined;
	const peer = peerRow
		? { id: peerRow.user_id, display_name: peerRow.display_name, username: peerRow.username }
		: null;
	const inviters = await invitersOf(deps, [row]);
	return { ...view(row, peer, inviters.get(row.member.invitedBy ?? "") ?? null), members };
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

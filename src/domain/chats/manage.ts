import { and, eq } from "drizzle-orm";
import { chatMembers, chats } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { refuseRoomChat } from "../rooms/chat-guard";
import { type ChatDeps, roomOf } from "./deps";
import { membersChanged, tell } from "./notify";
import { activeMembership, chatInfo, getChat, membership, resolveUser } from "./queries";

/** The value of a settled read, or its error thrown. */
function settled<T>(r: PromiseSettledResult<T>): T {
	if (r.status === "rejected") throw r.reason;
	return r.value;
}

function assertAdmin(role: string) {
	if (role !== "owner" && role !== "admin")
		throw new ApiError("FORBIDDEN", "Only the owner or an admin may do this");
}

function assertGroup(kind: string) {
	// A support chat's members are the desk's to manage (its customer and the assignee), never the chat routes'.
	if (kind === "support")
		throw new ApiError("SUPPORT_CHAT", "Support conversations are managed by support", { status: 409 });
	if (kind !== "group")
		throw new ApiError("DIRECT_CHAT", "Direct chats have exactly two members", { status: 409 });
}

/**
 * Creates a group owned by `userId`; everyone in `members` (ids or usernames)
 * is invited and must accept, as in the Egg seed.
 *
 * @example await createGroup(deps, alice.id, { name: "Team", members: ["bob"] });
 */
export async function createGroup(
	deps: ChatDeps,
	userId: string,
	input: { name: string; members: string[]; e2e?: boolean },
) {
	const invitees = new Set<string>();
	for (const ref of input.members) {
		const u = await resolveUser(deps, ref);
		if (u.id !== userId) invitees.add(u.id);
	}
	const id = newId();
	const now = new Date();
	await deps.db.batch([
		deps.db.insert(chats).values({
			id,
			kind: "group",
			name: input.name,
			ownerId: userId,
			e2e: input.e2e ?? false,
			createdAt: now,
			updatedAt: now,
		}),
		deps.db
			.insert(chatMembers)
			.values({ chatId: id, userId, role: "owner", status: "active", joinedAt: now }),
		...[...invitees].map((u) =>
			deps.db
				.insert(chatMembers)
				.values({ chatId: id, userId: u, status: "invited", invitedBy: userId, joinedAt: now }),
		),
	]);
	await Promise.all(
		[...invitees].map((u) =>
			tell(deps, u, { type: "chat.invitation", chat_id: id, seq: 0, name: input.name, from: userId }),
		),
	);
	return getChat(deps, userId, id);
}

/**
 * The direct chat between `userId` and `peerRef` (id or username), created on
 * first use. `direct_key` is unique, so two racing requests end in one chat.
 * A pair has at most one plain and one e2e direct chat (the e2e key is
 * prefixed `e2e:`).
 */
export async function openDirect(deps: ChatDeps, userId: string, peerRef: string, e2e = false) {
	const peer = await resolveUser(deps, peerRef);
	if (peer.id === userId) throw new ApiError("BAD_REQUEST", "A direct chat needs another person");
	const key = (e2e ? "e2e:" : "") + [userId, peer.id].sort().join(":");
	const existing = await deps.db
		.select({ id: chats.id })
		.from(chats)
		.where(eq(chats.directKey, key))
		.limit(1);
	if (existing[0]) return { created: false, chat: await getChat(deps, userId, existing[0].id) };
	const id = newId();
	const now = new Date();
	try {
		await deps.db.batch([
			deps.db
				.insert(chats)
				.values({ id, kind: "direct", directKey: key, e2e, createdAt: now, updatedAt: now }),
			deps.db
				.insert(chatMembers)
				.values({ chatId: id, userId, role: "member", status: "active", joinedAt: now }),
			deps.db
				.insert(chatMembers)
				.values({ chatId: id, userId: peer.id, role: "member", status: "active", joinedAt: now }),
		]);
	} catch (err) {
		const again = await deps.db.select({ id: chats.id }).from(chats).where(eq(chats.directKey, key)).limit(1);
		if (again[0]) return { created: false, chat: await getChat(deps, userId, again[0].id) };
		throw err;
	}
	return { created: true, chat: await getChat(deps, userId, id) };
}

/** Renames a group (owner or admin). */
export async function renameChat(deps: ChatDeps, userId: string, chatId: string, name: string) {
	const { chat, member } = await activeMembership(deps, userId, chatId);
	assertGroup(chat.kind);
	assertAdmin(member.role);
	await refuseRoomChat(deps.db, chatId);
	await deps.db.update(chats).set({ name, updatedAt: new Date() }).where(eq(chats.id, chatId));
	await membersChanged(deps, chatId, "renamed", userId);
	return getChat(deps, userId, chatId);
}

/** Invites a user into a group (owner or admin). Inviting a member again is a no-op. */
export async function inviteMember(deps: ChatDeps, userId: string, chatId: string, ref: string) {
	// Three independent reads at once (group building, issue 14); their errors still come in this order,
	// so a caller who is not a member learns nothing about the chat or the user.
	const [mine, room, user] = await Promise.allSettled([
		activeMembership(deps, userId, chatId),
		refuseRoomChat(deps.db, chatId),
		resolveUser(deps, ref),
	]);
	const { chat, member } = settled(mine);
	assertGroup(chat.kind);
	assertAdmin(member.role);
	settled(room);
	const target = settled(user);
	const inserted = await deps.db
		.insert(chatMembers)
		.values({ chatId, userId: target.id, status: "invited", invitedBy: userId, joinedAt: new Date() })
		.onConflictDoNothing()
		.returning({ userId: chatMembers.userId });
	if (inserted.length) {
		// Both best effort, to different people (the invitee; the owner, admins and viewers): at once.
		await Promise.all([
			tell(deps, target.id, {
				type: "chat.invitation",
				chat_id: chatId,
				seq: chat.lastSeq,
				name: chat.name,
				from: userId,
			}),
			membersChanged(deps, chatId, "invited", target.id),
		]);
	}
	return { user_id: target.id, invited: inserted.length > 0 };
}

/** Accepts an invitation: the user becomes an active member (sees history, may send). */
export async function acceptInvitation(deps: ChatDeps, userId: string, chatId: string) {
	const row = await membership(deps, userId, chatId);
	if (row.member.status === "active") return chatInfo(deps, userId, row);
	const joinedAt = new Date();
	await deps.db
		.update(chatMembers)
		.set({ status: "active", joinedAt })
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)));
	// The room hears of it (and tells whom it concerns) while the answer is read: the row is known, not reread.
	const [info] = await Promise.all([
		chatInfo(deps, userId, { ...row, member: { ...row.member, status: "active", joinedAt } }),
		membersChanged(deps, chatId, "joined", userId),
	]);
	return info;
}

/** Rejects an invitation; the chat disappears from the user's list. */
export async function rejectInvitation(deps: ChatDeps, userId: string, chatId: string) {
	const { member } = await membership(deps, userId, chatId);
	if (member.status !== "invited")
		throw new ApiError("NOT_INVITED", "There is no pending invitation", { status: 409 });
	await deps.db
		.delete(chatMembers)
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)));
	await membersChanged(deps, chatId, "rejected", userId);
}

/**
 * Leaves a group. An owner who leaves hands the group to the longest-standing
 * admin or member; the last one out deletes it.
 */
export async function leaveChat(deps: ChatDeps, userId: string, chatId: string) {
	const { chat, member } = await membership(deps, userId, chatId);
	assertGroup(chat.kind);
	// A room chat's owner is the room's: they leave by deleting the room (others may leave and enter again).
	if (member.role === "owner") await refuseRoomChat(deps.db, chatId);
	await deps.db
		.delete(chatMembers)
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)));
	const rest = await deps.db
		.select()
		.from(chatMembers)
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.status, "active")));
	if (rest.length === 0) return destroy(deps, chatId, userId);
	if (member.role === "owner") {
		const heir = rest.sort(
			(a, b) =>
				(a.role === "admin" ? -1 : 0) - (b.role === "admin" ? -1 : 0) ||
				a.joinedAt.getTime() - b.joinedAt.getTime(),
		)[0];
		if (heir) {
			await deps.db.batch([
				deps.db
					.update(chatMembers)
					.set({ role: "owner" })
					.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, heir.userId))),
				deps.db
					.update(chats)
					.set({ ownerId: heir.userId, updatedAt: new Date() })
					.where(eq(chats.id, chatId)),
			]);
		}
	}
	await membersChanged(deps, chatId, "left", userId);
	await tell(deps, userId, { type: "chat.removed", chat_id: chatId, seq: chat.lastSeq, reason: "left" });
}

/** Removes a member (owner or admin; nobody removes the owner, only the owner removes an admin). */
export async function removeMember(deps: ChatDeps, userId: string, chatId: string, targetId: string) {
	const { chat, member } = await activeMembership(deps, userId, chatId);
	assertGroup(chat.kind);
	assertAdmin(member.role);
	await refuseRoomChat(deps.db, chatId);
	if (targetId === userId) throw new ApiError("BAD_REQUEST", "Use leave to remove yourself");
	const { member: target } = await membership(deps, targetId, chatId).catch(() => {
		throw new ApiError("NOT_A_MEMBER", "That user is not in this chat", { status: 404 });
	});
	if (target.role === "owner" || (target.role === "admin" && member.role !== "owner")) {
		throw new ApiError("FORBIDDEN", "You may not remove this member");
	}
	await deps.db
		.delete(chatMembers)
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, targetId)));
	await membersChanged(deps, chatId, "removed", targetId);
	await tell(deps, targetId, { type: "chat.removed", chat_id: chatId, seq: chat.lastSeq, reason: "removed" });
}

/** Deletes a group (owner only) or a direct chat (either member): messages and all. */
export async function deleteChat(deps: ChatDeps, userId: string, chatId: string) {
	const { chat, member } = await activeMembership(deps, userId, chatId);
	// The desk keeps its conversations: a support chat ends by being closed, never deleted.
	if (chat.kind === "support")
		throw new ApiError("SUPPORT_CHAT", "Support conversations are closed by support, not deleted", {
			status: 409,
		});
	if (chat.kind === "group" && member.role !== "owner")
		throw new ApiError("FORBIDDEN", "Only the owner may delete this chat");
	await refuseRoomChat(deps.db, chatId);
	await destroy(deps, chatId, userId);
}

async function destroy(deps: ChatDeps, chatId: string, _by: string) {
	const members = await deps.db
		.select({ userId: chatMembers.userId })
		.from(chatMembers)
		.where(eq(chatMembers.chatId, chatId));
	await deps.db.delete(chats).where(eq(chats.id, chatId));
	await roomOf(deps.env, chatId).destroy(chatId);
	await Promise.all(
		members.map((m) =>
			tell(deps, m.userId, { type: "chat.removed", chat_id: chatId, seq: 0, reason: "deleted" }),
		),
	);
}

/** Mutes or unmutes a chat for this user: no push, still counted unread. */
export async function setMuted(deps: ChatDeps, userId: string, chatId: string, muted: boolean) {
	await membership(deps, userId, chatId);
	await deps.db
		.update(chatMembers)
		.set({ muted })
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, userId)));
	await membersChanged(deps, chatId, muted ? "muted" : "unmuted", userId, false);
	return { chat_id: chatId, muted };
}

/**
 * Promotes a member to admin or demotes to member (owner only). Everything is
 * checked before the one write: a group always keeps its owner, so the owner's
 * own role cannot change here (hand the group over by leaving).
 */
export async function setRole(
	deps: ChatDeps,
	userId: string,
	chatId: string,
	targetId: string,
	role: "admin" | "member",
) {
	const { chat, member } = await activeMembership(deps, userId, chatId);
	assertGroup(chat.kind);
	if (member.role !== "owner") throw new ApiError("FORBIDDEN", "Only the owner may change roles");
	await refuseRoomChat(deps.db, chatId);
	if (targetId === userId)
		throw new ApiError("OWNER_ROLE_FIXED", "A group always has an owner: leave to hand it over", {
			status: 409,
		});
	const target = await membership(deps, targetId, chatId).catch((err) => {
		if (err instanceof ApiError) return null;
		throw err;
	});
	if (target?.member.status !== "active")
		throw new ApiError("NOT_A_MEMBER", "That user is not an active member", { status: 404 });
	await deps.db
		.update(chatMembers)
		.set({ role })
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.userId, targetId)));
	await membersChanged(deps, chatId, `role:${role}`, targetId);
	return getChat(deps, userId, chatId);
}

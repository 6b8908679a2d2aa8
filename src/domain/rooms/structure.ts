import { and, eq, inArray, sql } from "drizzle-orm";
import { roomMembers, rooms } from "../../db/schema";
import { ApiError } from "../../errors";
import type { ChatDeps } from "../chats/deps";
import { roomsLost, roomUpdated } from "./events";
import { chatMembersIn, destroyRoomChats, dropFromRoomChats } from "./room-chats";
import { getRoom, refuse } from "./rooms";
import { loadMembers, loadTree, type RoomRecord, roomFor } from "./store";
import { accessOf, attachRefusal, type RoomMembership, subtree } from "./tree";

/**
 * Changes that can take access away: removing a user, moving a room under
 * another, deleting a room. After each, everyone who can no longer read a
 * room is taken out of its chat (reconcile).
 */

/**
 * Takes out of the chats of `roomIds` everyone who may no longer read the
 * room, by the tree and memberships as they are now.
 */
async function reconcile(deps: ChatDeps, tree: RoomRecord[], members: RoomMembership[], roomIds: string[]) {
	const chatOf = new Map(
		tree.filter((r) => roomIds.includes(r.id) && r.chatId).map((r) => [r.chatId as string, r.id]),
	);
	const inChats = await chatMembersIn(deps, [...chatOf.keys()]);
	const lost = inChats.filter((p) => !accessOf(tree, members, p.userId, chatOf.get(p.chatId) as string));
	await dropFromRoomChats(deps, lost);
}

/**
 * Removes a direct member (managers), or yourself (leaving). The room's owner
 * stays (delete the room instead). Rooms below it where the user is now a
 * stranger lose them from their chats.
 */
export async function removeRoomUser(deps: ChatDeps, userId: string, roomId: string, targetId: string) {
	const ctx = await roomFor(deps.db, userId, roomId, targetId === userId ? "read" : "manage");
	const row = ctx.members.find((m) => m.roomId === roomId && m.userId === targetId);
	if (!row)
		throw new ApiError("NOT_A_MEMBER", "That user is not a direct member of this room", { status: 404 });
	if (row.role === "owner" || ctx.room.ownerId === targetId)
		throw new ApiError("ROOM_OWNER", "A room's owner cannot be removed; delete the room instead", {
			status: 409,
		});
	await deps.db
		.delete(roomMembers)
		.where(and(eq(roomMembers.roomId, roomId), eq(roomMembers.userId, targetId)));
	const after = ctx.members.filter((m) => m !== row);
	await reconcile(deps, ctx.tree, after, subtree(ctx.tree, roomId));
	const state = { tree: ctx.tree, members: after };
	await roomsLost(deps, ctx, state, subtree(ctx.tree, roomId), "access_lost");
	await roomUpdated(deps, state, ctx.room, "member_removed", { user_id: targetId });
	return { room_id: roomId, user_id: targetId, removed: true };
}

/**
 * Places room `childId` (with everything below it) under `parentId`. Needs
 * the right to manage both. Refused with ROOM_CYCLE when the child would
 * become its own ancestor, ROOM_TOO_DEEP / ROOM_TREE_FULL past the limits.
 *
 * The cycle check is made again inside the one UPDATE (a recursive query
 * over the parent's ancestors), so two moves racing each other (A under B,
 * B under A) cannot both land: the second finds the first's row and changes
 * nothing.
 */
export async function addSubroom(deps: ChatDeps, userId: string, parentId: string, childId: string) {
	const parent = await roomFor(deps.db, userId, parentId, "manage");
	const child = await roomFor(deps.db, userId, childId, "manage");
	if (child.room.parentId === parentId) return getRoom(deps, userId, parentId);
	refuse(attachRefusal(parent.tree, child.tree, parentId, childId));
	const now = Date.now();
	const res = await deps.db.run(sql`update ${rooms} set parent_id = ${parentId}, updated_at = ${now}
		where id = ${childId} and parent_id is ${child.room.parentId}
		and ${childId} not in (
			with recursive up(id, parent_id) as (
				select id, parent_id from ${rooms} where id = ${parentId}
				union select r.id, r.parent_id from ${rooms} r join up on r.id = up.parent_id
			) select id from up)`);
	if ((res.meta.changes ?? 0) === 0)
		throw new ApiError("ROOM_CYCLE", "The tree changed meanwhile and the move would make a cycle", {
			status: 409,
		});
	const moving = subtree(child.tree, childId);
	for (let i = 0; i < moving.length; i += 50)
		await deps.db
			.update(rooms)
			.set({ rootId: parent.room.rootId })
			.where(inArray(rooms.id, moving.slice(i, i + 50)));
	const tree = await loadTree(deps.db, parent.room.rootId);
	const members = await loadMembers(
		deps.db,
		tree.map((r) => r.id),
	);
	await reconcile(deps, tree, members, moving);
	const after = { tree, members };
	await roomsLost(deps, child, after, moving, "access_lost");
	const byId = new Map(tree.map((r) => [r.id, r]));
	const [p, c] = [byId.get(parentId), byId.get(childId)];
	if (p) await roomUpdated(deps, after, p, "subroom_added", { subroom_id: childId });
	if (c) await roomUpdated(deps, after, c, "moved");
	return getRoom(deps, userId, parentId);
}

/** Deletes a room with everything below it, and their chats (managers). */
export async function deleteRoom(deps: ChatDeps, userId: string, roomId: string) {
	const ctx = await roomFor(deps.db, userId, roomId, "manage");
	const gone = subtree(ctx.tree, roomId);
	const chats = ctx.tree.filter((r) => gone.includes(r.id) && r.chatId).map((r) => r.chatId as string);
	for (let i = 0; i < gone.length; i += 50) {
		const ids = gone.slice(i, i + 50);
		await deps.db.batch([
			deps.db.delete(roomMembers).where(inArray(roomMembers.roomId, ids)),
			deps.db.delete(rooms).where(inArray(rooms.id, ids)),
		]);
	}
	await destroyRoomChats(deps, chats);
	const after = {
		tree: ctx.tree.filter((r) => !gone.includes(r.id)),
		members: ctx.members.filter((m) => !gone.includes(m.roomId)),
	};
	await roomsLost(deps, ctx, after, gone, "deleted");
	return { room_id: roomId, deleted: gone };
}

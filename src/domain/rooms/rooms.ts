import type { RoomInfo, RoomNodeView, RoomSummary, RoomTree } from "@hatch/contract/rooms";
import { eq } from "drizzle-orm";
import { roomMembers, rooms } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import type { ChatDeps } from "../chats/deps";
import { resolveUser } from "../chats/queries";
import { roomUpdated } from "./events";
import { renameRoomChat, roomChatInserts } from "./room-chats";
import { namesOf, type RoomContext, type RoomRecord, roomFor, roomsOfUser } from "./store";
import { createRefusal, depthOf, ROOM_LIMITS, subtree, type TreeRefusal } from "./tree";

/**
 * Room operations shared by REST, the native socket and the Egg adapter:
 * read, create, rename, membership. Tree changes and deletion are in
 * ./structure.ts, the room's chat in ./enter.ts. Every function checks access
 * first (store.ts roomFor) and validates everything before its one write.
 */

const REFUSALS: Record<TreeRefusal, string> = {
	ROOM_CYCLE: "A room cannot be placed under itself or one of its own subrooms",
	ROOM_TOO_DEEP: `Rooms nest at most ${ROOM_LIMITS.DEPTH_MAX} levels deep`,
	ROOM_TREE_FULL: `A tree holds at most ${ROOM_LIMITS.TREE_MAX} rooms`,
};

/** Throws the stable 409 for a refused tree change. */
export function refuse(code: TreeRefusal | null) {
	if (code) throw new ApiError(code, REFUSALS[code], { status: 409 });
}

/** Room info as `ctx`'s asker sees it. */
export async function infoOf(deps: ChatDeps, ctx: RoomContext): Promise<RoomInfo> {
	const { room } = ctx;
	const direct = ctx.members.filter((m) => m.roomId === room.id);
	const names = await namesOf(
		deps.db,
		direct.map((m) => m.userId),
	);
	return {
		id: room.id,
		name: room.name,
		parent_id: room.parentId,
		root_id: room.rootId,
		owner_id: room.ownerId,
		chat_id: room.chatId,
		access: ctx.access,
		subrooms: ctx.tree.filter((r) => r.parentId === room.id).map((r) => ({ id: r.id, name: r.name })),
		members: direct.map((m) => ({
			user_id: m.userId,
			display_name: names.get(m.userId)?.name ?? "",
			username: names.get(m.userId)?.username ?? null,
			role: m.role,
		})),
		chats: room.chatId ? [room.chatId] : [],
		created_at: room.createdAt.getTime(),
		updated_at: room.updatedAt.getTime(),
	};
}

export async function getRoom(deps: ChatDeps, userId: string, roomId: string): Promise<RoomInfo> {
	return infoOf(deps, await roomFor(deps.db, userId, roomId));
}

/** The room and everything below it, flat, parents before children. */
export async function getTree(deps: ChatDeps, userId: string, roomId: string): Promise<RoomTree> {
	const ctx = await roomFor(deps.db, userId, roomId);
	const byId = new Map(ctx.tree.map((r) => [r.id, r]));
	const nodes = subtree(ctx.tree, roomId).map((id): RoomNodeView => {
		const r = byId.get(id) as RoomRecord;
		return { id, name: r.name, parent_id: r.parentId, chat_id: r.chatId, depth: depthOf(ctx.tree, id) };
	});
	return { room_id: roomId, rooms: nodes };
}

/** Rooms you are a direct member of (rooms you reach only by inheritance are in their tree). */
export async function listRooms(deps: ChatDeps, userId: string, pageSize: number, after?: string) {
	const rows = await roomsOfUser(deps.db, userId, pageSize + 1, after);
	return rows.map(({ room, role }): RoomSummary & { cursor: string } => ({
		id: room.id,
		name: room.name,
		parent_id: room.parentId,
		root_id: room.rootId,
		chat_id: room.chatId,
		role,
		cursor: room.id,
	}));
}

/**
 * Creates a room owned by `userId`, with its chat. Under `parent_id` it needs
 * the right to manage the parent, and the tree's depth and size limits hold.
 * Everyone in `members` (ids or usernames) becomes a direct member.
 */
export async function createRoom(
	deps: ChatDeps,
	userId: string,
	input: { name: string; parent_id?: string; members?: string[] },
): Promise<RoomInfo> {
	let rootId: string | null = null;
	if (input.parent_id) {
		const parent = await roomFor(deps.db, userId, input.parent_id, "manage");
		refuse(createRefusal(parent.tree, parent.room.id));
		rootId = parent.room.rootId;
	}
	const others = new Set<string>();
	for (const ref of input.members ?? []) {
		const u = await resolveUser(deps, ref);
		if (u.id !== userId) others.add(u.id);
	}
	if (others.size + 1 > ROOM_LIMITS.MEMBERS_MAX) throw membersFull();
	const id = newId();
	const chatId = newId();
	const now = new Date();
	await deps.db.batch([
		...roomChatInserts(deps, chatId, input.name, userId, now),
		deps.db.insert(rooms).values({
			id,
			rootId: rootId ?? id,
			parentId: input.parent_id ?? null,
			name: input.name,
			ownerId: userId,
			chatId,
			createdAt: now,
			updatedAt: now,
		}),
		deps.db.insert(roomMembers).values({ roomId: id, userId, role: "owner", addedBy: userId, joinedAt: now }),
		...[...others].map((u) =>
			deps.db
				.insert(roomMembers)
				.values({ roomId: id, userId: u, role: "member", addedBy: userId, joinedAt: now }),
		),
	]);
	const ctx = await roomFor(deps.db, userId, id);
	await roomUpdated(deps, ctx, ctx.room, "created");
	return infoOf(deps, ctx);
}

export const membersFull = () =>
	new ApiError("ROOM_MEMBERS_FULL", `A room has at most ${ROOM_LIMITS.MEMBERS_MAX} direct members`, {
		status: 409,
	});

/** Renames a room and its chat (managers). */
export async function renameRoom(deps: ChatDeps, userId: string, roomId: string, name: string) {
	const ctx = await roomFor(deps.db, userId, roomId, "manage");
	const now = new Date();
	await deps.db.batch([
		deps.db.update(rooms).set({ name, updatedAt: now }).where(eq(rooms.id, roomId)),
		...(ctx.room.chatId ? [renameRoomChat(deps, ctx.room.chatId, name)] : []),
	]);
	await roomUpdated(deps, ctx, ctx.room, "renamed", { name });
	return getRoom(deps, userId, roomId);
}

/** Adds a user (id or username) as a direct member (managers). Adding a member again changes nothing. */
export async function addRoomUser(deps: ChatDeps, userId: string, roomId: string, ref: string) {
	const ctx = await roomFor(deps.db, userId, roomId, "manage");
	const target = await resolveUser(deps, ref);
	const direct = ctx.members.filter((m) => m.roomId === roomId);
	if (direct.some((m) => m.userId === target.id))
		return { room_id: roomId, user_id: target.id, added: false };
	if (direct.length + 1 > ROOM_LIMITS.MEMBERS_MAX) throw membersFull();
	await deps.db
		.insert(roomMembers)
		.values({ roomId, userId: target.id, role: "member", addedBy: userId, joinedAt: new Date() })
		.onConflictDoNothing();
	const members = [...ctx.members, { roomId, userId: target.id, role: "member" as const }];
	await roomUpdated(deps, { tree: ctx.tree, members }, ctx.room, "member_added", { user_id: target.id });
	return { room_id: roomId, user_id: target.id, added: true };
}

import { and, eq, gt, inArray } from "drizzle-orm";
import { roomMembers, rooms, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { Db } from "../users/db";
import { type Access, accessOf, type RoomMembership } from "./tree";

export type RoomRecord = typeof rooms.$inferSelect;

/** A room with its whole tree and every direct membership in that tree. */
export type RoomContext = {
	room: RoomRecord;
	tree: RoomRecord[];
	members: RoomMembership[];
	access: Access;
};

/** Every room of one tree (bounded by ROOM_LIMITS.TREE_MAX). */
export async function loadTree(db: Db, rootId: string): Promise<RoomRecord[]> {
	return db.select().from(rooms).where(eq(rooms.rootId, rootId)).orderBy(rooms.createdAt, rooms.id);
}

/** Direct memberships of the given rooms; D1 limits bound parameters, so the IN list is chunked. */
export async function loadMembers(db: Db, roomIds: string[]): Promise<RoomMembership[]> {
	const out: RoomMembership[] = [];
	for (let i = 0; i < roomIds.length; i += 50) {
		const rows = await db
			.select({ roomId: roomMembers.roomId, userId: roomMembers.userId, role: roomMembers.role })
			.from(roomMembers)
			.where(inArray(roomMembers.roomId, roomIds.slice(i, i + 50)));
		out.push(...rows);
	}
	return out;
}

/**
 * The room as `userId` may act on it, or ROOM_NOT_FOUND: a stranger learns
 * nothing, not even that the room exists (the chats' 404 convention). With
 * `need: "manage"`, a member who only reads gets 403 FORBIDDEN.
 */
export async function roomFor(
	db: Db,
	userId: string,
	roomId: string,
	need: Access = "read",
): Promise<RoomContext> {
	const [room] = await db.select().from(rooms).where(eq(rooms.id, roomId)).limit(1);
	if (!room) throw notFound();
	const tree = await loadTree(db, room.rootId);
	const members = await loadMembers(
		db,
		tree.map((r) => r.id),
	);
	const access = accessOf(tree, members, userId, roomId);
	if (!access) throw notFound();
	if (need === "manage" && access !== "manage")
		throw new ApiError("FORBIDDEN", "Only an owner of this room or of a room above it may do this");
	return { room, tree, members, access };
}

export const notFound = () => new ApiError("ROOM_NOT_FOUND", "Room not found", { status: 404 });

/** Display names of users, by id. */
export async function namesOf(
	db: Db,
	ids: string[],
): Promise<Map<string, { name: string; username: string | null }>> {
	const out = new Map<string, { name: string; username: string | null }>();
	for (let i = 0; i < ids.length; i += 50) {
		const rows = await db
			.select({ id: users.id, name: users.displayName, username: users.username })
			.from(users)
			.where(inArray(users.id, ids.slice(i, i + 50)));
		for (const r of rows) out.set(r.id, { name: r.name, username: r.username });
	}
	return out;
}

/** Rooms `userId` is a direct member of, ordered by id, after `after` (a page). */
export async function roomsOfUser(db: Db, userId: string, limit: number, after?: string) {
	const rows = await db
		.select({ room: rooms, role: roomMembers.role })
		.from(roomMembers)
		.innerJoin(rooms, eq(rooms.id, roomMembers.roomId))
		.where(and(eq(roomMembers.userId, userId), after === undefined ? undefined : gt(rooms.id, after)))
		.orderBy(rooms.id)
		.limit(limit);
	return rows;
}

import { z } from "zod";
import { ShortName } from "./names.ts";

/**
 * Rooms (the Egg seed's rooms, like Matrix spaces), declared once: the REST
 * shapes of /v1/rooms and the results of the socket's room.* frames are the
 * same objects. The rules are in src/domain/rooms/tree.ts and README "Rooms".
 */

/** Limits of the room tree (src/domain/rooms/tree.ts enforces them). */
export const ROOM_LIMITS = {
	/** Levels from a root down to its deepest room (a root alone is depth 1). */
	DEPTH_MAX: 8,
	/** Rooms in one tree. */
	TREE_MAX: 200,
	/** Direct members of one room. */
	MEMBERS_MAX: 500,
	/** Characters of a room name. */
	NAME_MAX: 100,
	/** Users a room may be created with. */
	CREATE_MEMBERS_MAX: 100,
} as const;

export const RoomId = z.string().min(1).max(64);
export const RoomName = ShortName(ROOM_LIMITS.NAME_MAX);

/** What the asker may do in a room: `manage` (an owner here or above) or `read` (a member here or above). */
export const RoomAccess = z.enum(["manage", "read"]);

/** One room of a tree, flat: `parent_id` links it to its parent (null for a root). */
export const RoomNodeView = z
	.object({
		id: z.string(),
		name: z.string(),
		parent_id: z.string().nullable(),
		chat_id: z.string().nullable(),
		/** 1 for the tree's root. */
		depth: z.number().int(),
	})
	.meta({ id: "RoomNode" });
export type RoomNodeView = z.infer<typeof RoomNodeView>;

/** A room with its subrooms, direct members and chats. */
export const RoomInfo = z
	.object({
		id: z.string(),
		name: z.string(),
		parent_id: z.string().nullable(),
		root_id: z.string(),
		owner_id: z.string().nullable(),
		/** The room's own chat: enter it, then read and send there as in any chat. */
		chat_id: z.string().nullable(),
		access: RoomAccess,
		subrooms: z.array(z.object({ id: z.string(), name: z.string() })),
		members: z.array(
			z.object({
				user_id: z.string(),
				display_name: z.string(),
				username: z.string().nullable(),
				role: z.enum(["owner", "member"]),
			}),
		),
		chats: z.array(z.string()),
		created_at: z.number().int(),
		updated_at: z.number().int(),
	})
	.meta({ id: "Room" });
export type RoomInfo = z.infer<typeof RoomInfo>;

/** The room and everything below it, parents before children. */
export const RoomTree = z
	.object({ room_id: z.string(), rooms: z.array(RoomNodeView) })
	.meta({ id: "RoomTree" });
export type RoomTree = z.infer<typeof RoomTree>;

/** A room in the list of rooms you are a direct member of. */
export const RoomSummary = z
	.object({
		id: z.string(),
		name: z.string(),
		parent_id: z.string().nullable(),
		root_id: z.string(),
		chat_id: z.string().nullable(),
		role: z.enum(["owner", "member"]),
	})
	.meta({ id: "RoomSummary" });
export type RoomSummary = z.infer<typeof RoomSummary>;

/**
 * Hub socket events of rooms (README "Rooms", Events), pushed to every
 * socket of every user who can read the room (a member of it or of a room
 * above it), named like chat.updated / chat.removed.
 *
 * - `room.updated`: the room was created, renamed, gained or lost a direct
 *   member (`user_id`), gained a subroom (`subroom_id`), or was moved under
 *   another room (`moved`, sent for the moved room); `name`, `parent_id`,
 *   `root_id` are the room's as they are now. A user who just gained access
 *   (added, or reaching it by inheritance) gets it too.
 * - `room.removed`: you can no longer read `room_id` and the `rooms` listed
 *   (it and rooms below it you could read): `deleted`, or `access_lost` (you
 *   or a room above were removed, or it moved to a tree you are not in).
 */
export type RoomEvent =
	| {
			type: "room.updated";
			room_id: string;
			change: "created" | "renamed" | "member_added" | "member_removed" | "subroom_added" | "moved";
			name: string;
			parent_id: string | null;
			root_id: string;
			user_id?: string;
			subroom_id?: string;
	  }
	| { type: "room.removed"; room_id: string; reason: "deleted" | "access_lost"; rooms: string[] };

import type { RoomEvent } from "@hatch/contract/rooms";
import type { ChatDeps } from "../chats/deps";
import { pushToDevices } from "../chats/deps";
import { lostReaders, readersOf, type TreeState } from "./audience";
import type { RoomRecord } from "./store";

/**
 * Pushes room.updated / room.removed (contract rooms.ts RoomEvent) to the
 * hubs of everyone concerned, after the change is stored. Best effort, as
 * the chats domain's events: an unreachable hub must not fail the action
 * (the room is seen as it is on the next read).
 */

async function push(deps: ChatDeps, users: Iterable<string>, event: (u: string) => RoomEvent) {
	await Promise.allSettled([...users].map((u) => pushToDevices(deps.env, u, event(u))));
}

type Change = Extract<RoomEvent, { type: "room.updated" }>["change"];

/** room.updated for `room` to everyone who reads it in `state`. */
export function roomUpdated(
	deps: ChatDeps,
	state: TreeState,
	room: RoomRecord,
	change: Change,
	extra: { user_id?: string; subroom_id?: string; name?: string } = {},
) {
	const event: RoomEvent = {
		type: "room.updated",
		room_id: room.id,
		change,
		name: extra.name ?? room.name,
		parent_id: room.parentId,
		root_id: room.rootId,
		...(extra.user_id ? { user_id: extra.user_id } : {}),
		...(extra.subroom_id ? { subroom_id: extra.subroom_id } : {}),
	};
	return push(deps, readersOf(state, room.id), () => event);
}

/**
 * room.removed to everyone who could read any of `roomIds` (the top one
 * first) in `before` and no longer can in `after`; returns who that was.
 */
export async function roomsLost(
	deps: ChatDeps,
	before: TreeState,
	after: TreeState,
	roomIds: readonly string[],
	reason: "deleted" | "access_lost",
) {
	const lost = lostReaders(before, after, roomIds);
	await push(deps, lost.keys(), (u) => {
		const rooms = lost.get(u) ?? [];
		return { type: "room.removed", room_id: rooms[0] as string, reason, rooms };
	});
	return lost;
}

import type { ClientFrame } from "@hatch/contract/frames";
import type { ChatDeps } from "../../src/domain/chats/deps";
import { enterRoomChat, sendToRoom } from "../../src/domain/rooms/enter";
import {
	addRoomUser,
	createRoom,
	getRoom,
	getTree,
	listRooms,
	renameRoom,
} from "../../src/domain/rooms/rooms";
import { addSubroom, deleteRoom, removeRoomUser } from "../../src/domain/rooms/structure";
import { decodePageToken, pageOf, UUID_CURSOR } from "../../src/lib/pagination";

export type RoomFrame = Extract<ClientFrame, { type: `room.${string}` }>;

/** The hub socket's room.* requests: the same domain calls and results as /v1/rooms. */
export async function dispatchRoom(deps: ChatDeps, me: string, f: RoomFrame): Promise<unknown> {
	switch (f.type) {
		case "room.create":
			return createRoom(deps, me, { name: f.name, parent_id: f.parent_id, members: f.members });
		case "room.list": {
			const size = f.page_size ?? 50;
			const rows = await listRooms(deps, me, size, decodePageToken(f.page_token, UUID_CURSOR));
			return pageOf(
				rows,
				size,
				({ cursor: _c, ...r }) => r,
				(r) => r.cursor,
			);
		}
		case "room.info":
			return getRoom(deps, me, f.room_id);
		case "room.tree":
			return getTree(deps, me, f.room_id);
		case "room.rename":
			return renameRoom(deps, me, f.room_id, f.name);
		case "room.delete":
			return deleteRoom(deps, me, f.room_id);
		case "room.add_user":
			return addRoomUser(deps, me, f.room_id, f.user);
		case "room.remove_user":
			return removeRoomUser(deps, me, f.room_id, f.user_id);
		case "room.add_subroom":
			return addSubroom(deps, me, f.room_id, f.subroom_id);
		case "room.enter":
			return enterRoomChat(deps, me, f.room_id);
		case "room.send": {
			const { id: _id, type: _t, room_id, ...input } = f;
			return sendToRoom(deps, me, room_id, input);
		}
		default: {
			const unreachable: never = f;
			return unreachable;
		}
	}
}

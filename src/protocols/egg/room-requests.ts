import type { Message } from "@hatch/contract/frames";
import type { RoomInfo, RoomNodeView, RoomSummary, RoomTree } from "@hatch/contract/rooms";
import { createDb } from "../../db/client";
import { getRoom } from "../../domain/rooms/rooms";
import type { EggBridge } from "./bridge";
import { type EggC2S, S2C } from "./ws-frames";

export type EggRoomFrame = Extract<EggC2S, { msg_type: 19 | 20 | 21 | 22 | 23 | 24 | 25 | 26 | 27 | 28 }>;

const none = () => undefined;

/** s2c_room_tree's nesting: `{room_id, name, chat_id, subrooms: [same]}` from the native flat tree. */
type EggTree = { room_id: string; name: string | null; chat_id: string | null; subrooms: EggTree[] };
function nested(nodes: RoomNodeView[], id: string): EggTree {
	const node = nodes.find((n) => n.id === id);
	return {
		room_id: id,
		name: node?.name ?? null,
		chat_id: node?.chat_id ?? null,
		subrooms: nodes.filter((n) => n.parent_id === id).map((n) => nested(nodes, n.id)),
	};
}

/** `s2c_room_info` of a native room. */
async function sendRoomInfo(b: EggBridge, room: RoomInfo) {
	const msisdns = await b.people.msisdns(room.members.map((m) => m.user_id));
	b.toClient({
		msg_type: S2C.room_info,
		room_id: room.id,
		name: room.name,
		parent_room_id: room.parent_id,
		subrooms: room.subrooms.map((s) => s.id),
		users: room.members.map((m) => msisdns.get(m.user_id) ?? null),
		chats: room.chats,
	});
}

/**
 * A native `room.updated` event: the seed has no room event, so the room's
 * `s2c_room_info` as it is now is sent unasked (README "Egg rooms"). Read
 * directly, not through the hub: this runs inside the hub chain, and a room
 * gone meanwhile is simply not reported (its room.removed has no seed type).
 */
export async function eggRoomUpdated(b: EggBridge, roomId: string): Promise<void> {
	const room = await getRoom({ env: b.env, db: createDb(b.env.DB) }, b.auth.userId, roomId).catch(() => null);
	if (room) await sendRoomInfo(b, room);
}

/**
 * The seed's room types (19–28; its tables leave them %TODO) onto the native
 * room.* socket frames, fields as README "Egg rooms" documents. Users are
 * named by msisdn, as everywhere in the seed. Types with no answer in the
 * table answer only on failure (s2c_error), as the chat types do.
 */
export async function handleEggRoomFrame(b: EggBridge, f: EggRoomFrame): Promise<void> {
	switch (f.msg_type) {
		case 23: {
			const members = await Promise.all(f.users.map(async (m) => (await b.people.byMsisdn(m)).id));
			return b.ask({ type: "room.create", name: f.name, parent_id: f.parent_room_id, members }, (r) =>
				b.toClient({ msg_type: S2C.room_create_result, room_id: (r as RoomInfo).id }),
			);
		}
		case 19:
			return b.ask({ type: "room.rename", room_id: f.room_id, name: f.name }, none);
		case 20: {
			const user = await b.people.byMsisdn(f.user_msisdn);
			return b.ask({ type: "room.add_user", room_id: f.room_id, user: user.id }, none);
		}
		case 21: {
			const user = await b.people.byMsisdn(f.user_msisdn);
			return b.ask({ type: "room.remove_user", room_id: f.room_id, user_id: user.id }, none);
		}
		case 22:
			return b.ask({ type: "room.add_subroom", room_id: f.room_id, subroom_id: f.subroom_id }, none);
		case 24:
			return b.ask({ type: "room.delete", room_id: f.room_id }, none);
		case 27:
			if (f.room_id === undefined)
				return b.ask({ type: "room.list", page_size: 200 }, (r) => {
					const { items } = r as { items: RoomSummary[] };
					b.toClient({ msg_type: S2C.room_list, room_id: items.map((i) => i.id) });
				});
			return b.ask({ type: "room.tree", room_id: f.room_id }, (r) => {
				const tree = r as RoomTree;
				b.toClient({ msg_type: S2C.room_tree, ...nested(tree.rooms, tree.room_id) });
			});
		case 28:
			return b.ask({ type: "room.info", room_id: f.room_id }, (r) => sendRoomInfo(b, r as RoomInfo));
		case 25:
			return b.ask({ type: "room.enter", room_id: f.room_id }, (r) => {
				// Followed from the chat's seq at entry (a message sent meanwhile is replayed), so the room's
				// messages arrive as s2c_message. Not awaited: its reply comes on the same hub chain.
				const { chat } = r as { chat: { id: string; last_seq: number } };
				void b.subscribe(chat.id, chat.last_seq);
			});
		case 26:
			return b.ask(
				{ type: "room.send", room_id: f.room_id, client_id: crypto.randomUUID(), text: f.msg_body },
				(r) => {
					const { message, chat_id } = r as { message: Message; chat_id: string };
					b.toClient({ msg_type: S2C.message_send_result, msg_id: message.seq, chat_id });
				},
			);
		default: {
			const unreachable: never = f;
			return unreachable;
		}
	}
}

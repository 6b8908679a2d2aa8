import type { TurnServerInfo } from "@hatch/contract/call-frames";
import type { Message, Receipt } from "@hatch/contract/frames";
import type { EggBridge } from "./bridge";
import type { People } from "./people";
import { eggRoomUpdated } from "./room-requests";
import { type EggS2C, S2C } from "./ws-frames";

/** `s2c_message` fields of a native message; `msg_id` is its per-chat seq, `timestamp` Unix ms. */
export async function eggMessage(people: People, m: Message): Promise<EggS2C> {
	return {
		msg_type: S2C.message,
		chat_id: m.chat_id,
		msg_body: m.text,
		timestamp: m.created_at,
		status: "waiting",
		msg_id: m.seq,
		from: await people.msisdn(m.sender_id),
	};
}

/** `s2c_turn_server` from a native TURN lease. */
export function turnServer(r: unknown): EggS2C {
	return { msg_type: S2C.turn_server, ...turnFields(r) };
}

/** The seed's TURN fields (its spelling `adress` kept): the first turn: URL gives address and port. */
function turnFields(r: unknown) {
	const t = r as TurnServerInfo;
	const urls = t.ice_servers.flatMap((s) => s.urls);
	const url = urls.find((u) => u.startsWith("turn:")) ?? urls[0] ?? "";
	const m = /^turns?:([^:?]+|\[[^\]]+\])(?::(\d+))?/.exec(url);
	return {
		adress: m?.[1] ?? null,
		port: m?.[2] ? Number(m[2]) : 3478,
		username: t.username,
		realm: "hatch",
		credential: t.credential,
		credential_type: t.credential_type,
	};
}

type Native = { type: string; [k: string]: unknown };

/**
 * One native hub event, in the seed's words. Events the seed has no
 * message for (presence, chat updates, room.removed, replay markers) are dropped.
 */
export async function handleNativeEvent(b: EggBridge, e: Native): Promise<void> {
	const me = b.auth.userId;
	switch (e.type) {
		case "events":
			for (const inner of e.events as Native[]) await handleNativeEvent(b, inner);
			return;
		case "message.new":
			return b.toClient(await eggMessage(b.people, e.message as Message));
		case "message.updated": {
			const m = e.message as Message;
			return b.toClient({
				msg_type: S2C.message_update,
				chat_id: m.chat_id,
				msg_body: m.text,
				msg_id: m.seq,
			});
		}
		case "receipt":
			for (const r of e.receipts as Receipt[]) {
				if (r.user_id === me) continue;
				const read = r.read_seq > 0;
				b.toClient({
					msg_type: S2C.message_update_status,
					chat_id: e.chat_id,
					msg_id: read ? r.read_seq : r.delivered_seq,
					status: read ? "read" : "received",
				});
			}
			return;
		case "typing":
			if (e.user_id === me) return;
			return b.toClient({
				msg_type: S2C.chat_typing,
				chat_id: e.chat_id,
				user_msisdn: await b.people.msisdn(String(e.user_id)),
			});
		case "chat.invitation":
			return b.toClient({ msg_type: S2C.chat_invatation, chat_id: e.chat_id });
		case "inbox":
			// A chat this socket does not follow yet (a new direct chat): follow it from this message on.
			// Not awaited: its reply comes through the hub chain that is running this.
			void b.subscribe(String(e.chat_id), Math.max(0, Number(e.seq) - 1));
			return;
		case "call.offer": {
			const caller = e.caller as { id: string };
			return b.toClient({
				msg_type: S2C.call_offer,
				msisdn: await b.people.msisdn(caller.id),
				sdp: e.sdp,
				turn_server: e.turn_server ? turnFields(e.turn_server) : null,
			});
		}
		case "call.ack":
			return b.toClient({ msg_type: S2C.call_ack });
		case "call.ice": {
			// As the caller sent it: a bare string when it carried nothing else.
			const c = e.candidate as { candidate: string; sdpMid?: unknown; sdpMLineIndex?: unknown };
			const bare = c.sdpMid == null && c.sdpMLineIndex == null;
			return b.toClient({ msg_type: S2C.call_ice_candidate, candidate: bare ? c.candidate : c });
		}
		case "call.bye":
			return b.toClient({ msg_type: S2C.call_bye, code: e.code });
		case "call.answer":
			return b.toClient({ msg_type: S2C.call_answer, sdp: e.sdp });
		case "call.turn_server":
			return b.toClient(turnServer(e));
		case "room.updated":
			return eggRoomUpdated(b, String(e.room_id));
		default:
			return;
	}
}

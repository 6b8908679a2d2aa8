import type { ClientFrame, HubEvent } from "@hatch/contract/frames";
import { createDb } from "../../src/db/client";
import { type ChatDeps, roomOf } from "../../src/domain/chats/deps";
import {
	acceptInvitation,
	createGroup,
	deleteChat,
	inviteMember,
	leaveChat,
	openDirect,
	rejectInvitation,
	removeMember,
	renameChat,
	setMuted,
} from "../../src/domain/chats/manage";
import {
	deleteMessage,
	editE2eMessage,
	editMessage,
	markRead,
	messageHistory,
	sendE2eMessage,
	sendMessage,
	sendTyping,
} from "../../src/domain/chats/messages";
import { getChat, listChats } from "../../src/domain/chats/queries";
import { assertPushToken } from "../../src/domain/push/subscription";
import { ApiError } from "../../src/errors";
import { unwrap } from "../../src/lib/result";
import { type ChatOps, dispatchFrame, type HubFrame } from "../frames/dispatch";
import type { HubContext, SocketIdentity } from "./context";
import { presenceOf } from "./presence";
import { dispatchRoom } from "./room-dispatch";

/**
 * The hub socket's request handlers: the one native dispatch
 * (frames/dispatch.ts) with this hub's way of doing the chat frames
 * (through each chat's ChatRoom), and the hub-only frames below. Returns the
 * `result` payload; throws ApiError for an `error`.
 * (call.* frames never get here: see src/domain/calls/signalling.ts.)
 */
export function dispatch(
	hub: HubContext,
	ws: WebSocket,
	who: SocketIdentity,
	f: ClientFrame,
): Promise<unknown> {
	const env = hub.env;
	const me = who.u;
	const chat: ChatOps = {
		subscribe: (chatId, afterSeq) => subscribe(hub, ws, who, chatId, afterSeq),
		typing: (chatId) => sendTyping(env, me, chatId),
		send: (chatId, input) => sendMessage(env, me, chatId, input),
		edit: (chatId, seq, text) => editMessage(env, me, chatId, seq, text),
		sendE2e: (chatId, input) => sendE2eMessage(env, me, chatId, input),
		editE2e: (chatId, seq, group) => editE2eMessage(env, me, chatId, seq, group),
		remove: (chatId, seq) => deleteMessage(env, me, chatId, seq),
		history: (chatId, q) => messageHistory(env, me, chatId, q),
		read: (chatId, seq) => markRead(env, me, chatId, seq),
	};
	return dispatchFrame(f, chat, (g) => hubFrame(hub, who, g));
}

/** The frames only the hub socket takes: chat management, presence, push devices. */
async function hubFrame(hub: HubContext, who: SocketIdentity, f: HubFrame): Promise<unknown> {
	const env = hub.env;
	const me = who.u;
	const deps: ChatDeps = { env, db: createDb(env.DB) };
	switch (f.type) {
		case "chat.unsubscribe":
			hub.store.unsubscribe(who.s, f.chat_id);
			return { chat_id: f.chat_id, subscribed: false };
		case "chat.list":
			return { chats: await listChats(deps, me) };
		case "chat.info":
			return getChat(deps, me, f.chat_id);
		case "chat.create":
			return createGroup(deps, me, { name: f.name, members: f.members });
		case "chat.direct":
			return openDirect(deps, me, f.user);
		case "chat.rename":
			return renameChat(deps, me, f.chat_id, f.name);
		case "chat.leave":
			await leaveChat(deps, me, f.chat_id);
			return { chat_id: f.chat_id, left: true };
		case "chat.delete":
			await deleteChat(deps, me, f.chat_id);
			return { chat_id: f.chat_id, deleted: true };
		case "chat.invite":
			return inviteMember(deps, me, f.chat_id, f.user);
		case "chat.accept":
			return acceptInvitation(deps, me, f.chat_id);
		case "chat.reject":
			await rejectInvitation(deps, me, f.chat_id);
			return { chat_id: f.chat_id, rejected: true };
		case "chat.remove_member":
			await removeMember(deps, me, f.chat_id, f.user_id);
			return { chat_id: f.chat_id, removed: f.user_id };
		case "chat.mute":
		case "chat.unmute":
			return setMuted(deps, me, f.chat_id, f.type === "chat.mute");
		case "presence.get": {
			const p = await presenceOf(env, me, f.user_id);
			if (!p) throw new ApiError("USER_NOT_FOUND", "No such user", { status: 404 });
			return p;
		}
		case "device.register":
			assertPushToken(f.device_type, f.push_token);
			return hub.registerDevice(me, {
				device_id: f.device_id,
				type: f.device_type,
				push_token: f.push_token,
			});
		case "device.unregister":
			return { device_id: f.device_id, removed: await hub.unregisterDevice(f.device_id) };
		case "room.create":
		case "room.list":
		case "room.info":
		case "room.tree":
		case "room.rename":
		case "room.delete":
		case "room.add_user":
		case "room.remove_user":
		case "room.add_subroom":
		case "room.enter":
		case "room.send":
			return dispatchRoom(deps, me, f);
		default: {
			const unreachable: never = f;
			throw new ApiError("UNKNOWN_TYPE", `Unhandled frame ${(unreachable as { type: string }).type}`, {
				status: 404,
			});
		}
	}
}

/**
 * Subscribes this socket to a chat and replays every message after
 * `afterSeq`, whatever the socket was sent before (the client drops the seqs
 * it already holds). Live events that arrive during the replay are held and
 * sent after it, without the ones the replay already covered, so from the
 * first replayed message on the client sees each message once and in order.
 */
async function subscribe(
	hub: HubContext,
	ws: WebSocket,
	who: SocketIdentity,
	chatId: string,
	afterSeq?: number,
) {
	const room = roomOf(hub.env, chatId);
	const key = `${who.s}:${chatId}`;
	if (afterSeq === undefined) {
		const { last_seq } = unwrap(await room.canRead(chatId, who.u));
		hub.store.subscribe(who.s, chatId);
		if (!hub.sentSeq.has(key)) hub.sentSeq.set(key, last_seq);
		return { chat_id: chatId, last_seq, replayed: 0, more: false };
	}
	// A second subscribe of the same chat on this socket takes over: its replay starts again.
	const held: HubEvent[] = [];
	hub.replaying.set(key, held);
	hub.store.subscribe(who.s, chatId);
	try {
		const r = await room.replay(chatId, who.u, afterSeq);
		if (!r.ok) {
			if (hub.replaying.get(key) === held) hub.store.unsubscribe(who.s, chatId);
			unwrap(r);
			return;
		}
		const { messages, updated, last_seq, more } = r.value;
		const top = messages[messages.length - 1]?.seq ?? Math.min(afterSeq, last_seq);
		if (hub.replaying.get(key) !== held) {
			// A later subscribe of this chat on this socket overtook this one: it sends the replay.
			return { chat_id: chatId, last_seq, replayed: 0, more, next_after_seq: top };
		}
		for (const m of updated) {
			hub.send(ws, { type: "message.updated", chat_id: chatId, seq: m.seq, message: m } satisfies HubEvent);
		}
		for (const m of messages) {
			hub.send(ws, { type: "message.new", chat_id: chatId, seq: m.seq, message: m } satisfies HubEvent);
		}
		hub.sentSeq.set(key, top);
		hub.replaying.delete(key);
		for (const e of held) {
			// With more to replay, live messages would jump ahead: the client asks again from `top`.
			if (more && e.type === "message.new") continue;
			hub.sendChatEvent(ws, who.s, e);
		}
		return { chat_id: chatId, last_seq, replayed: messages.length, more, next_after_seq: top };
	} finally {
		if (hub.replaying.get(key) === held) hub.replaying.delete(key);
	}
}

import { ApiError } from "../../src/errors";
import type { ChatOps, HubFrame } from "../frames/dispatch";
import type { RoomContext } from "./context";
import { editGroup, sendGroup } from "./e2e-messages";
import { editMessage, historyPage, removeMessage, sendMessage } from "./messages";
import { markRead } from "./receipts";
import { signalTyping } from "./typing";
import type { Viewer } from "./viewers";

/**
 * How a chat-viewing socket (GET /v1/chats/{id}/ws) performs the chat
 * frames of the one native dispatch (frames/dispatch.ts): inside this room,
 * for this chat only (WRONG_CHAT otherwise), with the same replies as on
 * the hub socket.
 *
 * @example await dispatchFrame(frame, viewerOps(room, v, (after) => subscribeViewer(room, ws, v, after)), notOnChatSocket);
 */
export function viewerOps(
	room: RoomContext,
	v: Viewer,
	subscribe: (afterSeq?: number) => Promise<unknown>,
): ChatOps {
	const me = v.userId;
	/** The chat id a frame names, which must be this socket's. */
	const own = (chatId: string) => {
		if (chatId !== room.chatId())
			throw new ApiError("WRONG_CHAT", "This socket is for another chat", { status: 400 });
		return chatId;
	};
	return {
		subscribe: async (chatId, afterSeq) => {
			own(chatId);
			return subscribe(afterSeq);
		},
		typing: async (chatId) => signalTyping(room, room.typingAt, own(chatId), me),
		send: async (chatId, input) => sendMessage(room, own(chatId), me, input),
		edit: async (chatId, seq, text) => editMessage(room, own(chatId), me, seq, text),
		sendE2e: async (chatId, input) => sendGroup(room, own(chatId), me, input),
		editE2e: async (chatId, seq, group) => editGroup(room, own(chatId), me, seq, group),
		remove: async (chatId, seq) => removeMessage(room, own(chatId), me, seq),
		history: async (chatId, q) => historyPage(room, own(chatId), me, q),
		read: async (chatId, seq) => markRead(room, own(chatId), me, seq),
	};
}

/** Every frame but `ping` and the chat frames belongs on the hub socket (GET /v1/ws). */
export async function notOnChatSocket(f: HubFrame): Promise<never> {
	throw new ApiError("NOT_ON_CHAT_SOCKET", `${f.type} is sent on the hub socket (GET /v1/ws)`, {
		status: 400,
	});
}

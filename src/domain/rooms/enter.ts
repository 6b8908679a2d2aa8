import type { SendMessageInput } from "@hatch/contract/frames";
import { ApiError } from "../../errors";
import type { ChatDeps } from "../chats/deps";
import { sendMessage } from "../chats/messages";
import { getChat } from "../chats/queries";
import { joinRoomChat } from "./room-chats";
import { roomFor } from "./store";

/**
 * A room's chat. Anyone who may read the room (a member of it or of a room
 * above it) may enter its chat: they become an active member of that chat and
 * from then on read, subscribe and send there as in any chat.
 */

async function chatOf(deps: ChatDeps, userId: string, roomId: string) {
	const { room } = await roomFor(deps.db, userId, roomId);
	if (!room.chatId) throw new ApiError("ROOM_HAS_NO_CHAT", "This room's chat was deleted", { status: 409 });
	return room.chatId;
}

/** Enters the room's chat; returns the chat's info (as GET /v1/chats/{id}) and whether you just joined. */
export async function enterRoomChat(deps: ChatDeps, userId: string, roomId: string) {
	const chatId = await chatOf(deps, userId, roomId);
	const joined = await joinRoomChat(deps, chatId, userId);
	return { room_id: roomId, joined, chat: await getChat(deps, userId, chatId) };
}

/** Sends to the room's chat, entering it first if needed. Idempotent on `client_id`, as every send. */
export async function sendToRoom(deps: ChatDeps, userId: string, roomId: string, input: SendMessageInput) {
	const chatId = await chatOf(deps, userId, roomId);
	await joinRoomChat(deps, chatId, userId);
	const { message } = await sendMessage(deps.env, userId, chatId, input);
	return { room_id: roomId, chat_id: chatId, message };
}

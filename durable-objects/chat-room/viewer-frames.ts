import type { ClientFrame } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { unwrap } from "../../src/domain/chats/deps";
import { ApiError } from "../../src/errors";
import type { ChatRoom } from "../chat-room";
import type { Viewer } from "./viewers";

/** Frame types a chat-viewing socket accepts; everything else belongs on the hub socket (GET /v1/ws). */
const ON_CHAT_SOCKET = new Set<ClientFrame["type"]>([
	"ping",
	"chat.subscribe",
	"chat.typing",
	"message.send",
	"message.edit",
	"message.send_e2e",
	"message.edit_e2e",
	"message.delete",
	"message.history",
	"message.read",
]);

/**
 * The request handlers of a chat-viewing socket (GET /v1/chats/{id}/ws): the
 * same frames and replies as on the hub socket, restricted to this chat.
 * Returns the `result` payload; throws ApiError for an `error` frame.
 *
 * @example const result = await viewerDispatch(room, viewer, chatId, frame, (after) => subscribeViewer(ctx, ws, viewer, after));
 */
export async function viewerDispatch(
	room: ChatRoom,
	v: Viewer,
	chatId: string,
	f: ClientFrame,
	subscribe: (afterSeq?: number) => Promise<unknown>,
): Promise<unknown> {
	if (!ON_CHAT_SOCKET.has(f.type))
		throw new ApiError("NOT_ON_CHAT_SOCKET", `${f.type} is sent on the hub socket (GET /v1/ws)`, {
			status: 400,
		});
	if ("chat_id" in f && f.chat_id !== chatId)
		throw new ApiError("WRONG_CHAT", "This socket is for another chat", { status: 400 });
	const me = v.userId;
	switch (f.type) {
		case "ping":
			return { pong: Date.now() };
		case "chat.subscribe":
			return subscribe(f.after_seq);
		case "chat.typing":
			return unwrap(await room.typing(chatId, me));
		case "message.send": {
			const { id: _id, type: _t, chat_id: _c, ...input } = f;
			return unwrap(await room.send(chatId, me, input));
		}
		case "message.edit":
			return { message: unwrap(await room.edit(chatId, me, f.seq, f.text)) };
		case "message.send_e2e": {
			const { id: _id, type: _t, chat_id: _c, ...input } = f;
			return unwrap(await room.sendE2e(chatId, me, input));
		}
		case "message.edit_e2e":
			return {
				message: unwrap(await room.editE2e(chatId, me, f.seq, { device_id: f.device_id, copies: f.copies })),
			};
		case "message.delete":
			return { message: unwrap(await room.remove(chatId, me, f.seq)) };
		case "message.history":
			return unwrap(
				await room.history(chatId, me, {
					page_token: f.page_token,
					page_size: f.page_size ?? LIMITS.PAGE_SIZE_DEFAULT,
					after_seq: f.after_seq,
				}),
			);
		case "message.read":
			return { receipt: unwrap(await room.read(chatId, me, f.seq)) };
		default:
			throw new ApiError("NOT_ON_CHAT_SOCKET", `${f.type} is sent on the hub socket (GET /v1/ws)`, {
				status: 400,
			});
	}
}

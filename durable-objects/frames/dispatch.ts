import type {
	ClientFrame,
	E2eGroupInput,
	Message,
	Receipt,
	SendE2eInput,
	SendMessageInput,
} from "@hatch/contract/frames";

/** The frames about one chat: answered alike on the hub socket (GET /v1/ws) and on that chat's viewing socket. */
export type ChatFrame = Extract<
	ClientFrame,
	{
		type:
			| "chat.subscribe"
			| "chat.typing"
			| "message.send"
			| "message.edit"
			| "message.send_e2e"
			| "message.edit_e2e"
			| "message.delete"
			| "message.history"
			| "message.read";
	}
>;

/** Every other request but `ping`: only the hub socket takes them. */
export type HubFrame = Exclude<ClientFrame, ChatFrame | { type: "ping" }>;

/**
 * How a socket performs the chat frames: the hub through the chat's ChatRoom
 * (RPC), a viewing socket inside its own room. Each throws ApiError to refuse.
 */
export type ChatOps = {
	subscribe(chatId: string, afterSeq?: number): Promise<unknown>;
	typing(chatId: string): Promise<{ sent: boolean }>;
	send(chatId: string, input: SendMessageInput): Promise<{ message: Message; duplicate: boolean }>;
	edit(chatId: string, seq: number, text: string): Promise<Message>;
	sendE2e(chatId: string, input: SendE2eInput): Promise<{ message: Message; duplicate: boolean }>;
	editE2e(chatId: string, seq: number, group: E2eGroupInput): Promise<Message>;
	remove(chatId: string, seq: number): Promise<Message>;
	history(
		chatId: string,
		q: { page_token?: string; page_size?: number; after_seq?: number },
	): Promise<unknown>;
	read(chatId: string, seq: number): Promise<Receipt>;
};

/**
 * The native socket's request handlers, one exhaustive switch for both kinds
 * of socket: `ping` and the chat frames here, with the same reply shapes
 * everywhere; the rest goes to `other` (the hub's own switch, or a refusal
 * on a viewing socket). Returns the `result` payload; throws ApiError for an
 * `error` frame.
 *
 * @example const result = await dispatchFrame(frame, chatOps, (f) => hubDispatch(hub, f));
 */
export async function dispatchFrame(
	f: ClientFrame,
	chat: ChatOps,
	other: (f: HubFrame) => Promise<unknown>,
): Promise<unknown> {
	switch (f.type) {
		case "ping":
			return { pong: Date.now() };
		case "chat.subscribe":
			return chat.subscribe(f.chat_id, f.after_seq);
		case "chat.typing":
			return chat.typing(f.chat_id);
		case "message.send": {
			const { id: _id, type: _t, chat_id, ...input } = f;
			return chat.send(chat_id, input);
		}
		case "message.edit":
			return { message: await chat.edit(f.chat_id, f.seq, f.text) };
		case "message.send_e2e": {
			const { id: _id, type: _t, chat_id, ...input } = f;
			return chat.sendE2e(chat_id, input);
		}
		case "message.edit_e2e":
			return {
				message: await chat.editE2e(f.chat_id, f.seq, { device_id: f.device_id, copies: f.copies }),
			};
		case "message.delete":
			return { message: await chat.remove(f.chat_id, f.seq) };
		case "message.history":
			return chat.history(f.chat_id, {
				page_token: f.page_token,
				page_size: f.page_size,
				after_seq: f.after_seq,
			});
		case "message.read":
			return { receipt: await chat.read(f.chat_id, f.seq) };
		default:
			return other(f);
	}
}

import { MessageText, SendMessageInput } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { z } from "@hono/zod-openapi";
import {
	chatReceipts,
	deleteMessage,
	editMessage,
	getMessage,
	markRead,
	messageHistory,
	sendMessage,
	sendTyping,
} from "../domain/chats/messages";
import { createRouter } from "../lib/router";
import { ChatIdParam, Message, Receipt, route } from "./chat-schemas";

const tags = ["messages"];
const SeqParam = ChatIdParam.extend({ seq: z.coerce.number().int().positive() });
const Page = z.object({ items: z.array(Message), page_token: z.string().nullable() }).openapi("MessagePage", {
	description: "`page_token` is null on the last page; pass it back as `page_token` for the next one",
});

const send = route("post", "/v1/chats/{chatId}/messages", "Send a message", {
	tags,
	description: `Text up to ${LIMITS.TEXT_MAX} characters, optional \`reply_to\` (a seq) and up to ${LIMITS.ATTACHMENTS_MAX} attachments (file ids from /v1/files). Idempotent on \`client_id\`: a retry returns the original message with \`duplicate: true\` and status 200.`,
	params: ChatIdParam,
	body: SendMessageInput.strict().openapi("SendMessage"),
	response: z.object({ message: Message, duplicate: z.boolean() }),
	status: 201,
});
const history = route("get", "/v1/chats/{chatId}/messages", "Message history", {
	tags,
	description:
		"`{items, page_token}` like every list (the Phoenix seed's shape). Without `after_seq`: newest first, paged by `page_token` (Phoenix). With `after_seq`: everything after that seq, oldest first (Egg); the returned `page_token` continues in the same direction.",
	params: ChatIdParam,
	query: z.object({
		page_token: z.string().max(64).optional(),
		page_size: z.coerce.number().int().min(1).max(LIMITS.PAGE_SIZE_MAX).optional(),
		after_seq: z.coerce.number().int().nonnegative().optional(),
	}),
	response: Page,
});
const one = route("get", "/v1/chats/{chatId}/messages/{seq}", "One message with its edit history", {
	tags,
	description: "For the sender, also each recipient's receipt status (pending, delivered, read).",
	params: SeqParam,
	response: z.object({
		message: Message,
		edits: z.array(z.object({ text: z.string(), edited_at: z.number().int() })),
		receipts: z
			.array(z.object({ user_id: z.string(), status: z.enum(["pending", "delivered", "read"]) }))
			.nullable(),
	}),
});
const edit = route("patch", "/v1/chats/{chatId}/messages/{seq}", "Edit your message (history is kept)", {
	tags,
	params: SeqParam,
	body: z.strictObject({ text: MessageText }).openapi("EditMessage"),
	response: z.object({ message: Message }),
});
const del = route(
	"delete",
	"/v1/chats/{chatId}/messages/{seq}",
	"Delete a message (sender, or group owner/admin)",
	{
		tags,
		description: "Leaves a tombstone: the seq stays, text and attachments go.",
		params: SeqParam,
		response: z.object({ message: Message }),
	},
);
const read = route("post", "/v1/chats/{chatId}/read", "Read marker: everything up to seq is read", {
	tags,
	params: ChatIdParam,
	body: z.strictObject({ seq: z.number().int().positive() }).openapi("ReadMarker"),
	response: z.object({ receipt: Receipt }),
});
const receipts = route("get", "/v1/chats/{chatId}/receipts", "Delivered/read watermarks of every member", {
	tags,
	params: ChatIdParam,
	response: z.object({ receipts: z.array(Receipt) }),
});
const typing = route("post", "/v1/chats/{chatId}/typing", "Typing indicator (ephemeral, throttled)", {
	tags,
	params: ChatIdParam,
	response: z.object({ sent: z.boolean() }),
});

export const messageRoutes = createRouter()
	.openapi(send, async (c) => {
		const r = await sendMessage(c.env, c.var.auth.userId, c.req.valid("param").chatId, c.req.valid("json"));
		return c.json(r, r.duplicate ? 200 : 201);
	})
	.openapi(history, async (c) =>
		c.json(
			await messageHistory(c.env, c.var.auth.userId, c.req.valid("param").chatId, c.req.valid("query")),
			200,
		),
	)
	.openapi(one, async (c) => {
		const { chatId, seq } = c.req.valid("param");
		return c.json(await getMessage(c.env, c.var.auth.userId, chatId, seq), 200);
	})
	.openapi(edit, async (c) => {
		const { chatId, seq } = c.req.valid("param");
		return c.json(
			{ message: await editMessage(c.env, c.var.auth.userId, chatId, seq, c.req.valid("json").text) },
			200,
		);
	})
	.openapi(del, async (c) => {
		const { chatId, seq } = c.req.valid("param");
		return c.json({ message: await deleteMessage(c.env, c.var.auth.userId, chatId, seq) }, 200);
	})
	.openapi(read, async (c) =>
		c.json(
			{
				receipt: await markRead(
					c.env,
					c.var.auth.userId,
					c.req.valid("param").chatId,
					c.req.valid("json").seq,
				),
			},
			200,
		),
	)
	.openapi(receipts, async (c) =>
		c.json({ receipts: await chatReceipts(c.env, c.var.auth.userId, c.req.valid("param").chatId) }, 200),
	)
	.openapi(typing, async (c) =>
		c.json(await sendTyping(c.env, c.var.auth.userId, c.req.valid("param").chatId), 200),
	);

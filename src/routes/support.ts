import { MessageText } from "@hatch/contract/frames";
import { SupportConversation, SupportMessage, SupportSettings } from "@hatch/contract/support-frames";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deskOf, unwrap } from "../domain/support/desk";
import { loadActor } from "../domain/support/identity";
import type { AppEnv } from "../env";
import { createRouter } from "../lib/router";
import { requireAuth, requireRole } from "../middleware/auth";
import { bearer, errorContent } from "./auth-schemas";
import { checkUpgrade, redeemTicket } from "./ws";

const tags = ["support"];
const operators = [requireAuth, requireRole("operator", "admin")];
const Id = z.object({ id: z.string().min(1).max(64) });
const Send = z
	.strictObject({ text: MessageText, client_id: z.string().min(1).max(64).optional() })
	.openapi("SupportSend");
const json = <T extends z.ZodType>(schema: T) => ({
	required: true,
	content: { "application/json": { schema } },
});
const ok = <T extends z.ZodType>(description: string, schema: T) => ({
	description,
	content: { "application/json": { schema } },
});
const Conversation = ok("The conversation", z.object({ conversation: SupportConversation }));
const Detail = z.object({ conversation: SupportConversation, messages: z.array(SupportMessage) });
const refusals = {
	403: errorContent("Not an operator (FORBIDDEN)"),
	404: errorContent("No such conversation (NOT_FOUND)"),
	409: errorContent("ALREADY_TAKEN, NOT_ASSIGNED or CONVERSATION_CLOSED"),
};

const me = (c: Context<AppEnv>) => loadActor(c.env, c.var.auth.userId);

const send = createRoute({
	method: "post",
	path: "/v1/support/messages",
	tags,
	summary: "Write to support (your conversation is created by your first message, reopened when closed)",
	security: bearer,
	middleware: [requireAuth],
	request: { body: json(Send) },
	responses: { 201: ok("Sent", z.object({ message: SupportMessage })) },
});
const mine = createRoute({
	method: "get",
	path: "/v1/support/conversation",
	tags,
	summary: "Your support conversation and its messages, oldest first",
	security: bearer,
	middleware: [requireAuth],
	responses: {
		200: ok(
			"History",
			z.object({ conversation_id: z.string().nullable(), messages: z.array(SupportMessage) }),
		),
	},
});
const queue = createRoute({
	method: "get",
	path: "/v1/support/queue",
	tags,
	summary: "Conversations waiting for an answer, oldest first (operators)",
	security: bearer,
	middleware: operators,
	responses: { 200: ok("Queue", z.object({ items: z.array(SupportConversation) })), 403: refusals[403] },
});
const list = createRoute({
	method: "get",
	path: "/v1/support/conversations",
	tags,
	summary: "Conversations by status, most recently changed first (operators)",
	security: bearer,
	middleware: operators,
	request: {
		query: z.object({
			status: z.enum(["waiting", "assigned", "closed", "open"]).optional(),
			mine: z.enum(["0", "1"]).optional().openapi({ description: "1: only those assigned to you" }),
		}),
	},
	responses: {
		200: ok("Conversations", z.object({ items: z.array(SupportConversation) })),
		403: refusals[403],
	},
});
const detail = createRoute({
	method: "get",
	path: "/v1/support/conversations/{id}",
	tags,
	summary: "A conversation and its messages (operators)",
	security: bearer,
	middleware: operators,
	request: { params: Id },
	responses: { 200: ok("Conversation", Detail), ...refusals },
});
const take = createRoute({
	method: "post",
	path: "/v1/support/conversations/{id}/take",
	tags,
	summary: "Take a waiting conversation; of two operators racing, one gets 409 ALREADY_TAKEN",
	security: bearer,
	middleware: operators,
	request: { params: Id },
	responses: { 200: Conversation, ...refusals },
});
const transfer = createRoute({
	method: "post",
	path: "/v1/support/conversations/{id}/transfer",
	tags,
	summary:
		"Hand the conversation to another operator (`to`: their user id) or back to the queue (`to`: null)",
	security: bearer,
	middleware: operators,
	request: {
		params: Id,
		body: json(z.strictObject({ to: z.string().min(1).max(64).nullable() }).openapi("SupportTransfer")),
	},
	responses: {
		200: Conversation,
		422: errorContent("The target is not an operator (NOT_AN_OPERATOR)"),
		...refusals,
	},
});
const close = createRoute({
	method: "post",
	path: "/v1/support/conversations/{id}/close",
	tags,
	summary: "Close the conversation (the customer's next message reopens it)",
	security: bearer,
	middleware: operators,
	request: { params: Id },
	responses: { 200: Conversation, ...refusals },
});
const reply = createRoute({
	method: "post",
	path: "/v1/support/conversations/{id}/messages",
	tags,
	summary: "Reply to the customer (the operator who has taken the conversation)",
	security: bearer,
	middleware: operators,
	request: { params: Id, body: json(Send) },
	responses: { 201: ok("Sent", z.object({ message: SupportMessage })), ...refusals },
});
const getSettings = createRoute({
	method: "get",
	path: "/v1/support/settings",
	tags,
	summary: "Desk settings (operators)",
	security: bearer,
	middleware: operators,
	responses: { 200: ok("Settings", SupportSettings), 403: refusals[403] },
});
const putSettings = createRoute({
	method: "put",
	path: "/v1/support/settings",
	tags,
	summary: "Change the desk settings (admins)",
	security: bearer,
	middleware: [requireAuth, requireRole("admin")],
	request: { body: json(SupportSettings) },
	responses: { 200: ok("Settings", SupportSettings), 403: errorContent("Not an admin") },
});
const socket = createRoute({
	method: "get",
	path: "/v1/support/ws",
	tags,
	summary: 'Open the support desk socket (WebSocket upgrade; README "Support desk")',
	description:
		"A ticket from POST /v1/ws/ticket, `Sec-WebSocket-Protocol` json or msgpack. Customers get `support.history` on connect, operators `support.queue`, then live events.",
	request: { query: z.object({ ticket: z.string().min(10).max(200) }) },
	responses: {
		101: { description: "Switching protocols" },
		401: { description: "Invalid, used or expired ticket (INVALID_TICKET)" },
		426: { description: "Not a WebSocket upgrade (UPGRADE_REQUIRED)" },
		501: { description: "Unsupported Sec-WebSocket-Protocol (UNSUPPORTED_TRANSPORT)" },
	},
});

export const supportRoutes = createRouter()
	.openapi(send, async (c) =>
		c.json({ message: unwrap(await deskOf(c.env).customerSend(await me(c), c.req.valid("json"))) }, 201),
	)
	.openapi(mine, async (c) => c.json(unwrap(await deskOf(c.env).customerHistory(await me(c))), 200))
	.openapi(queue, async (c) => c.json({ items: unwrap(await deskOf(c.env).waitingQueue(await me(c))) }, 200))
	.openapi(list, async (c) => {
		const q = c.req.valid("query");
		return c.json(
			{ items: unwrap(await deskOf(c.env).list(await me(c), { status: q.status, mine: q.mine === "1" })) },
			200,
		);
	})
	.openapi(detail, async (c) =>
		c.json(unwrap(await deskOf(c.env).conversation(await me(c), c.req.valid("param").id)), 200),
	)
	.openapi(take, async (c) =>
		c.json({ conversation: unwrap(await deskOf(c.env).take(await me(c), c.req.valid("param").id)) }, 200),
	)
	.openapi(transfer, async (c) => {
		const { to } = c.req.valid("json");
		return c.json(
			{ conversation: unwrap(await deskOf(c.env).transfer(await me(c), c.req.valid("param").id, to)) },
			200,
		);
	})
	.openapi(close, async (c) =>
		c.json({ conversation: unwrap(await deskOf(c.env).close(await me(c), c.req.valid("param").id)) }, 200),
	)
	.openapi(reply, async (c) =>
		c.json(
			{
				message: unwrap(await deskOf(c.env).reply(await me(c), c.req.valid("param").id, c.req.valid("json"))),
			},
			201,
		),
	)
	.openapi(getSettings, async (c) => c.json(await deskOf(c.env).settings(), 200))
	.openapi(putSettings, async (c) =>
		c.json(unwrap(await deskOf(c.env).setSettings(c.req.valid("json"))), 200),
	)
	.openapi(socket, async (c) => {
		const transport = checkUpgrade(c.req.raw.headers, c.env.ALLOWED_ORIGINS);
		const { ticket } = c.req.valid("query");
		const { userId, sessionId } = await redeemTicket(c.env, ticket);
		const headers = new Headers(c.req.raw.headers);
		headers.set("X-Hatch-Proto", "native");
		headers.set("X-Hatch-Transport", transport);
		headers.set("X-Hatch-Session", sessionId);
		headers.set("X-Hatch-Actor", JSON.stringify(await loadActor(c.env, userId)));
		return (await deskOf(c.env).fetch(new Request(c.req.url, { headers }))) as never;
	});

import { pickTransport } from "@hatch/contract/codec";
import { createRoute, z } from "@hono/zod-openapi";
import { redeemWsTicket, type WsTicket } from "../domain/auth/ws-ticket";
import { mintTicketFor, ticketRedemption } from "../domain/auth/ws-ticket-deps";
import { hubOf, roomOf } from "../domain/chats/deps";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";

const Ticket = z
	.object({
		ticket: z
			.string()
			.openapi({ description: "Single use; pass as `?ticket=` to GET /v1/ws within a minute" }),
		expires_at: z.number().int().openapi({ description: "Unix ms" }),
		url: z.string(),
	})
	.openapi("WsTicket");

const ticketRoute = createRoute({
	method: "post",
	path: "/v1/ws/ticket",
	tags: ["realtime"],
	summary: "Mint a short-lived single-use WebSocket ticket",
	description:
		"Access tokens never travel in URLs: exchange one for a ticket, then open GET /v1/ws?ticket=….",
	security: [{ bearerAuth: [] }],
	middleware: [requireAuth] as const,
	responses: { 200: { description: "Ticket", content: { "application/json": { schema: Ticket } } } },
});

/** `batch=1`: the socket takes `events {chat_id, events}` frames (several of one chat's events, in order). */
const BatchQuery = z.enum(["0", "1"]).optional().openapi({
	description:
		"1: under load, several of one chat's events may come in one `events {chat_id, events}` frame, in order",
});

const upgradeRoute = createRoute({
	method: "get",
	path: "/v1/ws",
	tags: ["realtime"],
	summary: "Open the realtime socket (WebSocket upgrade)",
	description: [
		"Upgrade with `Sec-WebSocket-Protocol: json` (text frames) or `msgpack` (binary frames); anything else is 501",
		"before the upgrade. `Origin`, when sent (browsers), must be in ALLOWED_ORIGINS. Frames are `{type, ...}`:",
		"requests carry `id` and get one `result` or `error {code, reason, message}`; events carry `chat_id` and `seq`.",
		"See src/protocol/frames.ts and README (Realtime).",
	].join(" "),
	request: { query: z.object({ ticket: z.string().min(10).max(200), batch: BatchQuery }) },
	responses: {
		101: { description: "Switching protocols" },
		401: { description: "Invalid, used or expired ticket (INVALID_TICKET)" },
		403: { description: "Origin not allowed (ORIGIN_NOT_ALLOWED)" },
		426: { description: "Not a WebSocket upgrade (UPGRADE_REQUIRED)" },
		501: { description: "Unsupported Sec-WebSocket-Protocol (UNSUPPORTED_TRANSPORT)" },
	},
});

const chatUpgradeRoute = createRoute({
	method: "get",
	path: "/v1/chats/{id}/ws",
	tags: ["realtime"],
	summary: "Open a chat-viewing socket for the chat on screen (WebSocket upgrade)",
	description: [
		"Same ticket (POST /v1/ws/ticket), Origin and `Sec-WebSocket-Protocol` (json|msgpack, else 501) rules as GET /v1/ws.",
		"The socket lands in the chat's ChatRoom and carries only this chat: `chat.subscribe` (replay after a seq, then live),",
		"`message.send|edit|delete|history|read`, `chat.typing`, `ping`, with the same replies as the hub socket.",
		"`after_seq` subscribes at once. Keep the hub socket open for everything else (inbox, other chats, calls).",
	].join(" "),
	request: {
		params: z.object({ id: z.string().min(1).max(64) }),
		query: z.object({
			ticket: z.string().min(10).max(200),
			after_seq: z.coerce.number().int().nonnegative().optional(),
			batch: BatchQuery,
		}),
	},
	responses: {
		101: { description: "Switching protocols" },
		401: { description: "Invalid, used or expired ticket (INVALID_TICKET)" },
		403: { description: "Origin not allowed (ORIGIN_NOT_ALLOWED), or invitation not accepted (FORBIDDEN)" },
		404: { description: "No such chat, or not a member (NOT_FOUND)" },
		426: { description: "Not a WebSocket upgrade (UPGRADE_REQUIRED)" },
		501: { description: "Unsupported Sec-WebSocket-Protocol (UNSUPPORTED_TRANSPORT)" },
	},
});

/** Upgrade, Origin and transport checks shared by both sockets; returns the transport. */
export function checkUpgrade(headers: Headers, allowed: string) {
	if (headers.get("Upgrade")?.toLowerCase() !== "websocket") {
		throw new ApiError("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket upgrades", {
			status: 426,
		});
	}
	if (!originAllowed(headers.get("Origin") ?? undefined, allowed)) {
		throw new ApiError("ORIGIN_NOT_ALLOWED", "This origin may not open a socket", { status: 403 });
	}
	const transport = pickTransport(headers.get("Sec-WebSocket-Protocol"));
	if (!transport) {
		throw new ApiError("UNSUPPORTED_TRANSPORT", "Sec-WebSocket-Protocol must be json or msgpack", {
			status: 501,
		});
	}
	return transport;
}

export const invalidTicket = () =>
	new ApiError("INVALID_TICKET", "Ticket is invalid, used or expired", { status: 401 });

/** The user a ticket (`<userId>.…`, src/domain/auth/ws-ticket.ts) names; a malformed one is refused before any hub is woken. */
export function ticketOwner(ticket: string): string {
	const userId = ticket.split(".")[0] ?? "";
	if (!/^[0-9a-f-]{36}$/.test(userId)) throw invalidTicket();
	return userId;
}

/**
 * Redeems a ticket in the Worker (chat-viewing and support sockets): signed,
 * unexpired, spent for the first time, of a live session; else INVALID_TICKET.
 *
 * @example const { userId, sessionId } = await redeemTicket(c.env, ticket);
 */
export async function redeemTicket(env: Env, ticket: string): Promise<WsTicket> {
	const t = await redeemWsTicket(ticketRedemption(env), ticket);
	if (!t) throw invalidTicket();
	return t;
}

/** Whether a browser Origin may open the socket; non-browser clients send none and are allowed. */
export function originAllowed(origin: string | undefined, allowed: string): boolean {
	if (!origin) return true;
	return allowed
		.split(",")
		.map((s) => s.trim())
		.filter(Boolean)
		.includes(origin);
}

export const wsRoutes = createRouter()
	.openapi(ticketRoute, async (c) => {
		// Signed, not stored: minting wakes no Durable Object (src/domain/auth/ws-ticket.ts).
		const t = await mintTicketFor(c.env, c.var.auth);
		const url = new URL("/v1/ws", c.env.PUBLIC_URL);
		url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
		return c.json({ ...t, url: url.toString() }, 200);
	})
	.openapi(upgradeRoute, async (c) => {
		const transport = checkUpgrade(c.req.raw.headers, c.env.ALLOWED_ORIGINS);
		const { ticket } = c.req.valid("query");
		const userId = ticketOwner(ticket);
		const headers = new Headers(c.req.raw.headers);
		headers.set("X-Hatch-Transport", transport);
		const res = await hubOf(c.env, userId).fetch(new Request(c.req.url, { headers }));
		if (res.status === 401) throw invalidTicket();
		return res as never;
	})
	.openapi(chatUpgradeRoute, async (c) => {
		const transport = checkUpgrade(c.req.raw.headers, c.env.ALLOWED_ORIGINS);
		const { ticket } = c.req.valid("query");
		const { id: chatId } = c.req.valid("param");
		// Redeemed here, not in the user's UserHub: a join wakes only the room (issue 14, "Joins");
		// a malformed or forged ticket is refused before any Durable Object is asked.
		const { userId, sessionId } = await redeemTicket(c.env, ticket);
		const headers = new Headers(c.req.raw.headers);
		headers.set("X-Hatch-Transport", transport);
		headers.set("X-Hatch-User", userId);
		headers.set("X-Hatch-Session", sessionId);
		headers.set("X-Hatch-Chat", chatId);
		// The room checks membership before accepting: a non-member gets 404 and no socket.
		const res = await roomOf(c.env, chatId).fetch(new Request(c.req.url, { headers }));
		if (res.status !== 101) {
			const body = (await res.json()) as { error: { code: string; message: string } };
			throw new ApiError(body.error.code, body.error.message, { status: res.status });
		}
		return res as never;
	});

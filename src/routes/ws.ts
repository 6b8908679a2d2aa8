import { createRoute, z } from "@hono/zod-openapi";
import { hubOf } from "../domain/chats/deps";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import { pickTransport } from "../protocol/codec";

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
	request: { query: z.object({ ticket: z.string().min(10).max(200) }) },
	responses: {
		101: { description: "Switching protocols" },
		401: { description: "Invalid, used or expired ticket (INVALID_TICKET)" },
		403: { description: "Origin not allowed (ORIGIN_NOT_ALLOWED)" },
		426: { description: "Not a WebSocket upgrade (UPGRADE_REQUIRED)" },
		501: { description: "Unsupported Sec-WebSocket-Protocol (UNSUPPORTED_TRANSPORT)" },
	},
});

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
		const t = await hubOf(c.env, c.var.auth.userId).mintTicket(c.var.auth.userId);
		const url = new URL("/v1/ws", c.env.PUBLIC_URL);
		url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
		return c.json({ ...t, url: url.toString() }, 200);
	})
	.openapi(upgradeRoute, async (c) => {
		if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
			throw new ApiError("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket upgrades", {
				status: 426,
			});
		}
		if (!originAllowed(c.req.header("Origin"), c.env.ALLOWED_ORIGINS)) {
			throw new ApiError("ORIGIN_NOT_ALLOWED", "This origin may not open a socket", { status: 403 });
		}
		const transport = pickTransport(c.req.header("Sec-WebSocket-Protocol") ?? null);
		if (!transport) {
			throw new ApiError("UNSUPPORTED_TRANSPORT", "Sec-WebSocket-Protocol must be json or msgpack", {
				status: 501,
			});
		}
		const { ticket } = c.req.valid("query");
		const userId = ticket.split(".")[0] ?? "";
		if (!/^[0-9a-f-]{36}$/.test(userId))
			throw new ApiError("INVALID_TICKET", "Ticket is invalid, used or expired", { status: 401 });
		const headers = new Headers(c.req.raw.headers);
		headers.set("X-Hatch-Transport", transport);
		const res = await hubOf(c.env, userId).fetch(new Request(c.req.url, { headers }));
		if (res.status === 401)
			throw new ApiError("INVALID_TICKET", "Ticket is invalid, used or expired", { status: 401 });
		return res as never;
	});

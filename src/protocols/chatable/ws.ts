import type { Message } from "@hatch/contract/frames";
import type { Context } from "hono";
import { z } from "zod";
import { createDb } from "../../db/client";
import { getChat } from "../../domain/chats/queries";
import type { AppEnv, AuthContext } from "../../env";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { HubLink, linkToHub, type NativeFrame } from "../hub-link";
import { chatableOnError, failure } from "./envelope";
import { authFromJwt } from "./tokens";
import { usernamesOf } from "./usernames";

/** The packet a client sends: `{author, recipient, message}`, as the seed prints it. */
const Packet = z.object({
	author: z.string().min(1).max(64),
	recipient: z.string().min(1).max(64),
	message: z.string().trim().min(1).max(4000),
});

/**
 * `/api/ws`: direct messages as the seed's packets, over a native hub socket
 * of the same session. Sent packets become native direct-chat messages;
 * every message of the user's direct chats comes back as
 * `{author, recipient, message, message_type: 0, created_at}`.
 */
async function openSocket(c: Context<AppEnv>): Promise<Response> {
	if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
		throw new ApiError("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket upgrades", { status: 426 });
	// Browsers cannot set headers on a socket: the same JWT may come as ?token=.
	const query = c.req.query("token");
	const header = c.req.header("Authorization") ?? (query ? `Bearer ${query}` : undefined);
	const auth = await authFromJwt(c.var.db, c.env.JWT_SECRET, header);
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	server.accept();
	await bridge(c, server, auth);
	return new Response(null, { status: 101, webSocket: client });
}

async function bridge(c: Context<AppEnv>, ws: WebSocket, auth: AuthContext) {
	const db = createDb(c.env.DB);
	const send = (v: unknown) => {
		try {
			ws.send(JSON.stringify(v));
		} catch {
			// the client is gone
		}
	};
	const fail = (code: number, why: string) => send(failure(code, "User error", { error: why }));
	const me = (await usernamesOf(db, [auth.userId])).get(auth.userId);
	await linkToHub(
		c.env,
		auth,
		ws,
		c.var.log,
		(toHub, close) => new HubLink(c.env, db, auth, toHub, close, (code, reason) => fail(code, reason)),
		(link) => ({
			onClient: async (data) => {
				let value: unknown;
				try {
					value = JSON.parse(typeof data === "string" ? data : "");
				} catch {
					return fail(400, "A packet is a JSON object");
				}
				const p = Packet.safeParse(value);
				if (!p.success) return fail(400, "author, recipient and message are required");
				if (p.data.author.toLowerCase() !== me) return fail(403, "author must be you");
				link.ask({ type: "chat.direct", user: p.data.recipient }, (r) => {
					const chatId = (r as { chat: { id: string } }).chat.id;
					// The send follows the subscribe on the same socket, so its echo comes back too.
					void link.subscribe(chatId);
					link.ask(
						{ type: "message.send", chat_id: chatId, client_id: crypto.randomUUID(), text: p.data.message },
						() => {},
					);
				});
			},
			onEvent: async (e: NativeFrame) => {
				if (e.type === "inbox") {
					void link.subscribe(String(e.chat_id), Math.max(0, Number(e.seq) - 1));
					return;
				}
				if (e.type !== "message.new") return;
				const m = e.message as Message;
				const chat = await getChat({ env: c.env, db }, auth.userId, m.chat_id);
				if (chat.kind !== "direct" || !chat.peer) return;
				const recipient = m.sender_id === auth.userId ? chat.peer.id : auth.userId;
				const names = await usernamesOf(db, [m.sender_id, recipient]);
				send({
					author: names.get(m.sender_id),
					recipient: names.get(recipient),
					message: m.text,
					message_type: 0,
					created_at: new Date(m.created_at).toISOString(),
				});
			},
			follows: (chat) => chat.kind === "direct" && chat.status === "active",
			onFailure: () => send(failure(500, "Server error", { error: "Internal server error" })),
		}),
	);
}

/** The chatable seed's socket at /compat/chatable/api/ws. */
export const chatableWsRoutes = createRouter().get("/api/ws", openSocket);
chatableWsRoutes.onError(chatableOnError);

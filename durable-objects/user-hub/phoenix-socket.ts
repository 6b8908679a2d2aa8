import { createDb } from "../../src/db/client";
import { roomOf } from "../../src/domain/chats/deps";
import { newId } from "../../src/lib/ids";
import { handlePhx, type PhoenixSocket } from "../../src/protocols/phoenix/channels";
import { phxPushes } from "../../src/protocols/phoenix/outbound";
import { decodePhx } from "../../src/protocols/phoenix/wire";
import type { HubContext, SocketIdentity } from "./context";
import { socketOpened } from "./online";

/** The path the Worker forwards an authenticated Phoenix upgrade to (no other route forwards this path). */
export const PHOENIX_SOCKET_PATH = "/compat/phoenix/socket/websocket";

/**
 * A Phoenix Channels socket of this user (the Phoenix seed's protocol,
 * src/protocols/phoenix/): the Worker has checked the access token and its
 * session, and names both in headers. The socket is one of the hub's own,
 * so it gets the user's events like any device; its attachment keeps the
 * joined topics (`p`).
 *
 * @example if (url.pathname === PHOENIX_SOCKET_PATH) return openPhoenixSocket(hub, request);
 */
export async function openPhoenixSocket(hub: HubContext, request: Request): Promise<Response> {
	const userId = request.headers.get("X-Hatch-User") ?? "";
	const session = request.headers.get("X-Hatch-Session") ?? "";
	if (!userId || (hub.userId && hub.userId !== userId)) return new Response(null, { status: 401 });
	// The Worker found the session live; a revocation that this hub heard of since is refused here.
	if (session && hub.revoked.has(session, Date.now())) return new Response(null, { status: 401 });
	if (!hub.userId) hub.store.setMeta("user_id", userId);
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	const wasOnline = hub.sockets().length > 0;
	const identity: SocketIdentity = { u: userId, s: newId(), t: "json", d: session, p: {} };
	hub.state.acceptWebSocket(server, [userId, identity.s]);
	server.serializeAttachment(identity);
	if (!wasOnline) hub.state.waitUntil(hub.presenceChanged(true));
	await socketOpened(hub, server, session);
	return new Response(null, { status: 101, webSocket: client });
}

/**
 * One frame from a Phoenix socket: rate limited like any hub socket,
 * decoded (v2 arrays; repeated garbage closes with 1008) and handled by the
 * adapter, which answers with one phx_reply.
 */
export async function phoenixMessage(hub: HubContext, ws: WebSocket, raw: string | ArrayBuffer) {
	if (hub.guard.rateLimit(ws)) return;
	const frame = decodePhx(raw);
	if (!frame) {
		if (hub.guard.badFrame(ws)) ws.close(1008, "Too many invalid frames");
		return;
	}
	try {
		await handlePhx(phoenixContext(hub, ws), frame);
	} catch (err) {
		hub.log.error("UserHub phoenix frame failed", { event: frame[3], err: String(err) });
		ws.send(JSON.stringify([frame[0], frame[0], frame[2], "phx_error", {}]));
	}
}

/** Native events to a Phoenix socket: the pushes of the topics it joined. */
export function sendPhoenix(
	ws: WebSocket,
	who: SocketIdentity,
	event: { type: string; [k: string]: unknown },
): boolean {
	try {
		for (const f of phxPushes(event, who.p ?? {}, who.u)) ws.send(f);
		return true;
	} catch {
		return false;
	}
}

function phoenixContext(hub: HubContext, ws: WebSocket): PhoenixSocket {
	const who = () => hub.identity(ws);
	return {
		env: hub.env,
		db: createDb(hub.env.DB),
		userId: who().u,
		joins: () => who().p ?? {},
		setJoin(topic, joinRef) {
			const id = who();
			const p = { ...(id.p ?? {}) };
			if (joinRef === null) delete p[topic];
			else p[topic] = joinRef;
			ws.serializeAttachment({ ...id, p });
		},
		subscribe: (chatId) => {
			hub.store.subscribe(who().s, chatId);
			// The room sends membership changes to the hubs that watch the chat (chat-room/member-events.ts).
			hub.state.waitUntil(
				roomOf(hub.env, chatId)
					.canRead(chatId, who().u)
					.catch(() => {}),
			);
		},
		unsubscribe: (chatId) => hub.store.unsubscribe(who().s, chatId),
		send: (frame) => {
			try {
				ws.send(frame);
			} catch {
				// The socket is closing; its close handler cleans up.
			}
		},
	};
}

import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { decodedId, decodeFrame, type Transport } from "@hatch/contract/codec";
import type { ErrorFrame, ServerFrame } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { ApiError } from "../../src/errors";
import { newId } from "../../src/lib/ids";
import { dispatchFrame } from "../frames/dispatch";
import type { RoomContext } from "./context";
import { readerView } from "./e2e-messages";
import { notOnChatSocket, viewerOps } from "./viewer-frames";
import type { Viewer } from "./viewers";

/**
 * GET /v1/chats/{id}/ws lands here (the Worker has checked the ticket,
 * Origin and transport): a member's chat-viewing socket; anyone else 404.
 *
 * @example override fetch(request) { return openViewer(this.room, this.ctx, request); }
 */
export async function openViewer(
	room: RoomContext,
	state: DurableObjectState,
	request: Request,
): Promise<Response> {
	const chatId = request.headers.get("X-Hatch-Chat") ?? "";
	const userId = request.headers.get("X-Hatch-User") ?? "";
	const sessionId = request.headers.get("X-Hatch-Session") ?? "";
	const transport = request.headers.get("X-Hatch-Transport") as Transport;
	const query = new URL(request.url).searchParams;
	const after = query.get("after_seq");
	const batch = query.get("batch") === "1";
	try {
		await room.member(chatId, userId);
	} catch (err) {
		const e = err instanceof ApiError ? err : null;
		if (!e) room.log.error("ChatRoom.fetch failed", { err: String(err) });
		return Response.json(
			{ error: { code: e?.code ?? "INTERNAL", message: e?.message ?? "Internal error", requestId: "" } },
			{ status: e?.status ?? 500 },
		);
	}
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	state.acceptWebSocket(server, [userId]);
	// Everything stored is written out before a socket joins at the room's last seq.
	room.outbox.flush();
	const v = room.viewers.add(server, {
		userId,
		sessionId,
		socketId: newId(),
		transport,
		lastSeq: room.store.lastSeq(),
		batch: batch || undefined,
	});
	// Until the hub answers (`tell`), the room goes by the hub's last answer for this user (`hub_wants`).
	room.links.tell(v, 1);
	room.viewers.send(
		server,
		{ type: "hello", user_id: userId, socket_id: v.socketId, protocol: transport, batch },
		transport,
	);
	if (after !== null) await subscribeViewer(room, server, v, Number(after));
	return new Response(null, {
		status: 101,
		webSocket: client,
		headers: { "Sec-WebSocket-Protocol": transport },
	});
}

/**
 * `chat.subscribe` on a viewing socket: replays from storage everything
 * after `afterSeq`, whatever this socket was sent before (the client drops
 * the seqs it already holds), then the socket is live from the last one
 * replayed. Synchronous after the membership check, so no live event
 * interleaves with the replay and none falls between the two.
 *
 * @example const { last_seq, more } = await subscribeViewer(room, ws, viewer, 41);
 */
export async function subscribeViewer(room: RoomContext, ws: WebSocket, v: Viewer, afterSeq?: number) {
	const { store } = room;
	const chatId = room.chatId();
	await room.member(chatId, v.userId);
	room.outbox.flush();
	const last = store.lastSeq();
	if (afterSeq === undefined) {
		v.lastSeq = last;
		v.behind = false;
		room.viewers.save(ws, v);
		return { chat_id: chatId, last_seq: last, replayed: 0, more: false };
	}
	const from = Math.min(last, afterSeq);
	v.lastSeq = from;
	const rows = store.after(from, LIMITS.REPLAY_MAX + 1);
	const more = rows.length > LIMITS.REPLAY_MAX;
	const messages = rows.slice(0, LIMITS.REPLAY_MAX).map((r) => readerView(store, chatId, v.userId, r));
	const updated =
		from > 0
			? store.changedSince(from, LIMITS.REPLAY_MAX).map((r) => readerView(store, chatId, v.userId, r))
			: [];
	room.viewers.replay(ws, v, chatId, messages, updated, more);
	return {
		chat_id: chatId,
		last_seq: last,
		replayed: messages.length,
		more,
		next_after_seq: v.lastSeq,
	};
}

/**
 * One frame from a viewing socket: rate limited, decoded, and dispatched by
 * the native dispatch (frames/dispatch.ts) inside this room
 * (viewer-frames.ts); the answer is a `result` or an `error` frame, and
 * repeated undecodable frames close the socket (1008).
 *
 * @example override webSocketMessage(ws, raw) { return viewerMessage(this.room, ws, raw); }
 */
export async function viewerMessage(room: RoomContext, ws: WebSocket, raw: string | ArrayBuffer) {
	let answer: ((e: Omit<ErrorFrame, "type">) => void) | null = null;
	let id: string | number | null = null;
	try {
		const v = room.viewers.get(ws);
		// Without a record (the socket's attachment is not one this room can read, e.g. one written before a
		// deploy) the transport is the frame's own kind: the json subprotocol sends text, msgpack binary.
		const transport = v?.transport ?? (typeof raw === "string" ? "json" : "msgpack");
		const error = (e: Omit<ErrorFrame, "type">) =>
			room.viewers.send(ws, { type: "error", ...e } satisfies ErrorFrame, transport);
		answer = error;
		// Decoded before the rate check, so even a refused request is answered with its own id.
		const decoded = decodeFrame(raw, transport, room.chatId());
		id = decodedId(decoded);
		if (!v) {
			// The room does not know this socket, so it sends it no events: answer, and close it so the client
			// reconnects with a fresh ticket and resumes by seq.
			error({
				id,
				code: 409,
				reason: "NOT_VIEWING",
				message: "This socket no longer views the chat: open a new one (GET /v1/chats/{id}/ws)",
			});
			ws.close(CLOSE_CODES.REOPEN, "Reconnect to view the chat");
			return;
		}
		const limited = room.guard.rateLimit(ws);
		if (limited) {
			error({
				id: decodedId(decoded),
				code: 429,
				reason: "RATE_LIMITED",
				message: "Too many frames; slow down",
				retry_after_ms: limited,
			});
			return;
		}
		if (!decoded.ok) {
			error({ id: decoded.id, code: decoded.code, reason: decoded.reason, message: decoded.message });
			if (room.guard.badFrame(ws)) ws.close(1008, "Too many invalid frames");
			return;
		}
		if ("call" in decoded) {
			error({
				id: decoded.call.id,
				code: 400,
				reason: "NOT_ON_CHAT_SOCKET",
				message: "call.* frames are sent on the hub socket (GET /v1/ws)",
			});
			return;
		}
		const frame = decoded.frame;
		try {
			const ops = viewerOps(room, v, (after) => subscribeViewer(room, ws, v, after));
			const result = await dispatchFrame(frame, ops, notOnChatSocket);
			room.viewers.send(ws, { type: "result", id: frame.id, result } satisfies ServerFrame, v.transport);
		} catch (err) {
			const e = err instanceof ApiError ? err : null;
			if (!e)
				room.log.error("ChatRoom.webSocketMessage dispatch failed", { type: frame.type, err: String(err) });
			error({
				id: frame.id,
				code: e?.status ?? 500,
				reason: e ? String(e.code) : "INTERNAL",
				message: e?.message ?? "Internal error",
			});
		}
	} catch (err) {
		room.log.error("ChatRoom.webSocketMessage failed", { err: String(err) });
		// Every request is answered, a failure of the room included.
		if (id !== null) answer?.({ id, code: 500, reason: "INTERNAL", message: "Internal error" });
	}
}

/**
 * A viewing socket closed: its hub hears of it, and the close is echoed
 * (1005/1006 are not codes one may send, so those become 1000).
 *
 * @example override webSocketClose(ws, code, reason) { return viewerClosed(this.room, ws, code, reason); }
 */
export async function viewerClosed(room: RoomContext, ws: WebSocket, code: number, reason: string) {
	try {
		room.links.viewEnded(room.viewers.remove(ws));
		try {
			ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
		} catch {
			// Already closed.
		}
	} catch (err) {
		room.log.error("ChatRoom.webSocketClose failed", { err: String(err) });
	}
}

/**
 * A viewing socket failed: logged, and it is a viewer no more.
 *
 * @example override webSocketError(ws, error) { return viewerFailed(this.room, ws, error); }
 */
export async function viewerFailed(room: RoomContext, ws: WebSocket, error: unknown) {
	try {
		room.log.warn("ChatRoom.webSocketError", { err: String(error) });
		room.links.viewEnded(room.viewers.remove(ws));
	} catch (err) {
		room.log.error("ChatRoom.webSocketError failed", { err: String(err) });
	}
}

import { decodedId, decodeFrame, type Transport } from "@hatch/contract/codec";
import type { ErrorFrame, HubEvent, ServerFrame } from "@hatch/contract/frames";
import { handleCallFrame, onSocketOpened } from "../../src/domain/calls/signalling";
import { ApiError } from "../../src/errors";
import { newId } from "../../src/lib/ids";
import type { HubContext, SocketIdentity } from "./context";
import { dispatch } from "./dispatch";
import { socketOpened } from "./online";

/**
 * GET /v1/ws lands here (the Worker has checked Origin and transport): a
 * valid single-use ticket opens one of the user's device sockets, which says
 * `hello`; anything else is 401 and no socket.
 *
 * @example override async fetch(request) { return openHubSocket(this, request); }
 */
export async function openHubSocket(hub: HubContext, request: Request): Promise<Response> {
	const query = new URL(request.url).searchParams;
	const ticket = query.get("ticket") ?? "";
	const batch = query.get("batch") === "1";
	const transport = request.headers.get("X-Hatch-Transport") as Transport;
	const session = await hub.redeem(ticket);
	if (session === null) {
		return Response.json(
			{ error: { code: "INVALID_TICKET", message: "Ticket is invalid, used or expired", requestId: "" } },
			{ status: 401 },
		);
	}
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	const wasOnline = hub.sockets().length > 0;
	const userId = hub.userId;
	const identity: SocketIdentity = { u: userId, s: newId(), t: transport, d: session };
	if (batch) identity.b = 1;
	hub.state.acceptWebSocket(server, [userId, identity.s]);
	server.serializeAttachment(identity);
	hub.send(server, {
		type: "hello",
		user_id: userId,
		socket_id: identity.s,
		protocol: transport,
		batch,
	} satisfies HubEvent);
	if (!wasOnline) hub.state.waitUntil(hub.presenceChanged(true));
	// A new device may need events of chats another device is viewing; its own views must still be true.
	await socketOpened(hub, server, session);
	// A call ringing for this user rings on the new device too (calls, issue 7).
	await onSocketOpened(hub, server);
	return new Response(null, {
		status: 101,
		webSocket: client,
		headers: { "Sec-WebSocket-Protocol": transport },
	});
}

/**
 * One frame from a hub socket: rate limited, decoded, and dispatched
 * (dispatch.ts; `call.*` frames to the calls module); the answer is one
 * `result` or `error` frame, and repeated undecodable frames close the
 * socket (1008).
 *
 * @example override async webSocketMessage(ws, raw) { return hubSocketMessage(this, ws, raw); }
 */
export async function hubSocketMessage(hub: HubContext, ws: WebSocket, raw: string | ArrayBuffer) {
	try {
		const who = hub.identity(ws);
		// Decoded before the rate check, so even a refused request is answered with its own id.
		const decoded = decodeFrame(raw, who.t);
		const limited = hub.guard.rateLimit(ws);
		if (limited) {
			hub.send(ws, {
				type: "error",
				id: decodedId(decoded),
				code: 429,
				reason: "RATE_LIMITED",
				message: "Too many frames; slow down",
				retry_after_ms: limited,
			} satisfies ErrorFrame);
			return;
		}
		if (!decoded.ok) {
			hub.send(ws, {
				type: "error",
				id: decoded.id,
				code: decoded.code,
				reason: decoded.reason,
				message: decoded.message,
			} satisfies ErrorFrame);
			if (hub.guard.badFrame(ws)) ws.close(1008, "Too many invalid frames");
			return;
		}
		if ("call" in decoded) {
			// ── call.* frames go to the calls module (issue 7); keep this delegation stable.
			await handleCallFrame(hub, ws, decoded.call);
			return;
		}
		const frame = decoded.frame;
		try {
			const result = await dispatch(hub, ws, who, frame);
			hub.send(ws, { type: "result", id: frame.id, result } satisfies ServerFrame);
		} catch (err) {
			const e = err instanceof ApiError ? err : null;
			if (!e)
				hub.log.error("UserHub.webSocketMessage dispatch failed", { type: frame.type, err: String(err) });
			hub.send(ws, {
				type: "error",
				id: frame.id,
				code: e?.status ?? 500,
				reason: e ? String(e.code) : "INTERNAL",
				message: e?.message ?? "Internal error",
			} satisfies ErrorFrame);
		}
	} catch (err) {
		hub.log.error("UserHub.webSocketMessage failed", { err: String(err) });
	}
}

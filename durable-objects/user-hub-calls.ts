import type { ErrorFrame } from "../src/protocol/frames";
import type { UserHub } from "./user-hub";

/**
 * WebRTC call signalling on the user's socket: OWNED BY THE CALLS ENGINEER
 * (issue 7), who replaces these two functions. The UserHub hands over every
 * frame whose `type` starts with `call.` (raw, not yet validated: declare and
 * validate them in src/protocol/call-frames.ts) and calls `onSocketClosed`
 * when a device's socket closes. Useful hub members: `hub.send(ws, frame)`,
 * `hub.identity(ws)` → {u: userId, s: socketId, t: transport},
 * `hub.sockets()`, `hub.userId`, `hub.bindings` (env), `hub.state` (ctx),
 * and the RPC `pushEvent(event)` on other users' hubs.
 */
export async function handleCallFrame(
	hub: UserHub,
	ws: WebSocket,
	frame: { type: string; id?: unknown; [k: string]: unknown },
): Promise<void> {
	const id = typeof frame.id === "string" || typeof frame.id === "number" ? frame.id : null;
	hub.send(ws, {
		type: "error",
		id,
		code: 501,
		reason: "NOT_IMPLEMENTED",
		message: `${frame.type} is not implemented yet`,
	} satisfies ErrorFrame);
}

/** Called from UserHub.webSocketClose for every socket that closes (end calls on that device). */
export async function onSocketClosed(_hub: UserHub, _ws: WebSocket): Promise<void> {}

import type { Logger } from "../../lib/log";
import type { PushNotification } from "../../providers/push";

/** Who holds a socket: its user (`u`) and its socket id (`s`), as in the hub's socket attachment. */
export type CallSocket = { u: string; s: string };

/**
 * What the calls module needs from the UserHub it runs in: the hub's
 * storage, its user's sockets, a way to write a frame to one, and push.
 * The hub hands over its own context (durable-objects/user-hub/context.ts),
 * which has all of this; nothing here knows the hub's class, so the calls
 * code lives in one place beside its pure state machine (machine.ts) and the
 * Durable Object only loads, stores and performs.
 *
 * @example await handleCallSignal(hubContext, { kind: "probe", callId });
 */
export type CallHost = {
	/** The Worker's bindings: D1 (history, contacts), RATE_LIMITER, TURN settings, the other hubs. */
	readonly env: Env;
	/** The hub's state: its storage (CallStore) and its sockets by tag. */
	readonly state: DurableObjectState;
	readonly log: Logger;
	/** Every socket of the hub's user, open or closing. */
	sockets(): WebSocket[];
	identity(ws: WebSocket): CallSocket;
	/** Writes one frame; a socket that is already closing is skipped. Returns whether it was written. */
	send(ws: WebSocket, frame: { type: string; [k: string]: unknown }): boolean;
	/** Pushes to every registered device of the hub's user. */
	sendPush(n: PushNotification): Promise<unknown>;
};

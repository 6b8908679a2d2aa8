import type { Transport } from "@hatch/contract/codec";
import type { Db } from "../../src/db/client";
import type { Actor } from "../../src/domain/support/queue";
import type { Logger } from "../../src/lib/log";
import type { SocketGuard } from "../user-hub/guard";
import type { ExtrasStore } from "./extras-store";
import type { DeskStore } from "./store";

/**
 * What the helpers in support-desk/ work with: a narrow view of the Durable
 * Object (as chat-room/context.ts), so no helper reaches back into the class.
 */
export type DeskContext = {
	env: Env;
	db: Db;
	store: DeskStore;
	extras: ExtrasStore;
	log: Logger;
	/** Every socket of the desk (native and seed), live from the hibernation API. */
	sockets: () => WebSocket[];
	/** Per-socket frame rate and bad-frame limits (the same as the hub's). */
	guard: SocketGuard;
	/** Support chats being created, by customer id, so a second first message waits for the first. */
	creating: Map<string, Promise<void>>;
};

/**
 * The one piece of per-socket state (serializeAttachment). A seed socket has
 * no user until its `message.auth`.
 */
export type DeskSocket = {
	proto: "native" | "seed";
	transport: Transport;
	user: Actor | null;
	session: string | null;
	/** When the socket was accepted (seed sockets must sign in within a window). */
	opened_at?: number;
};

export function attachment(ws: WebSocket): DeskSocket | null {
	try {
		return ws.deserializeAttachment() as DeskSocket | null;
	} catch {
		return null;
	}
}

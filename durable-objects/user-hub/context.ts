import type { Transport } from "@hatch/contract/codec";
import type { HubEvent, ServerFrame } from "@hatch/contract/frames";
import type { Logger } from "../../src/lib/log";
import type { PushNotification } from "../../src/providers/push";
import type { SocketGuard } from "./guard";
import type { RevokedSessions } from "./revoked-sessions";
import type { HubStore } from "./store";

/**
 * The only per-socket state that survives hibernation: who (`u`), which
 * socket (`s`), how (`t`), from which device, i.e. auth session (`d`;
 * absent on sockets opened before devices were tracked), and `b` when the
 * client asked for `events` frames (batch=1).
 */
export type SocketIdentity = {
	u: string;
	s: string;
	t: Transport;
	d?: string;
	b?: 1;
	/** A Phoenix Channels socket (user-hub/phoenix-socket.ts): its joined topics → join_ref. */
	p?: Record<string, string>;
};

/**
 * What the UserHub's helper modules (user-hub/*, and src/domain/calls/ as its CallHost)
 * work with: the hub's parts and a few bound functions, built once by the
 * hub. A plain object rather than the class itself, so the helpers do not
 * import the class back and the Durable Object's RPC surface stays the
 * methods other code calls (the Worker's env is not one of them).
 *
 * @example hub.send(ws, { type: "pong" }); await roomOf(hub.env, chatId).hubWants(chatId, hub.userId, now);
 */
export type HubContext = {
	/** The Worker's bindings (D1, the other Durable Objects, secrets). */
	readonly env: Env;
	readonly state: DurableObjectState;
	readonly store: HubStore;
	/** Sessions revoked lately (user-hub/revoked.ts). */
	readonly revoked: RevokedSessions;
	readonly log: Logger;
	readonly guard: SocketGuard;
	/** Live events held back while a socket's replay of that chat is being sent. */
	readonly replaying: Map<string, HubEvent[]>;
	/**
	 * Highest message seq written to each "socketId:chatId". A socket is
	 * ordered and reliable, so anything at or below it is already on its way:
	 * replays start after it and live duplicates are dropped (exactly once per
	 * socket). Memory only: a hub hibernates only when nothing is in flight.
	 */
	readonly sentSeq: Map<string, number>;
	/** The user this hub belongs to (known from the first RPC that named it). */
	readonly userId: string;
	identity(ws: WebSocket): SocketIdentity;
	sockets(): WebSocket[];
	/** The user's sockets that are open (not closing). */
	openSockets(): WebSocket[];
	/** Sends one frame; a socket that is already closing is skipped. Returns whether it was written. */
	send(
		ws: WebSocket,
		frame: ServerFrame | { type: string; [k: string]: unknown },
		transport?: Transport,
	): boolean;
	/** Sends a chat event to a subscribed socket, at most once per message seq (see UserHub). */
	sendChatEvent(ws: WebSocket, socketId: string, e: HubEvent, transport?: Transport): void;
	/** Single use: the session a valid ticket of this hub's user was minted for, else null. */
	redeem(ticket: string): Promise<string | null>;
	/** Announces presence to contacts (and stamps last seen when going offline). */
	presenceChanged(online: boolean): Promise<void>;
	/** Sends a push to every registered device; devices the provider reports gone are forgotten. */
	sendPush(n: PushNotification): Promise<{ sent: number; failed: number }>;
	registerDevice(
		userId: string,
		d: { device_id: string; type: "webpush" | "fcm"; push_token: string },
	): Promise<{ device_id: string; type: "webpush" | "fcm" }>;
	unregisterDevice(deviceId: string): Promise<boolean>;
};

import { DurableObject } from "cloudflare:workers";
import { encodeFrame, type Transport } from "@hatch/contract/codec";
import type { HubEvent, ServerFrame } from "@hatch/contract/frames";
import { redeemWsTicket } from "../src/domain/auth/ws-ticket";
import { ticketRedemption } from "../src/domain/auth/ws-ticket-deps";
import { handleCallSignal, onCallAlarm, onSocketClosed } from "../src/domain/calls/signalling";
import type { PeerReply, PeerSignal } from "../src/domain/calls/types";
import { createLogger } from "../src/lib/log";
import { isDevEnvironment } from "../src/providers/dev-mode";
import { type PushNotification, sendToDevices } from "../src/providers/push";
import type { DeliverBatch, DeliverResult } from "./chat-room/fanout";
import { isFresh } from "./user-hub/chat-events";
import type { HubContext, SocketIdentity } from "./user-hub/context";
import { deliverBatch } from "./user-hub/deliver";
import { SocketGuard } from "./user-hub/guard";
import { hubSocketMessage, openHubSocket } from "./user-hub/hub-socket";
import { socketClosed, syncOnline, viewTold } from "./user-hub/online";
import {
	openPhoenixSocket,
	PHOENIX_SOCKET_PATH,
	phoenixMessage,
	sendPhoenix,
} from "./user-hub/phoenix-socket";
import { announcePresence } from "./user-hub/presence";
import { closeRevoked } from "./user-hub/revoked";
import { RevokedSessions } from "./user-hub/revoked-sessions";
import { type Device, HubStore } from "./user-hub/store";
import { armViewCheck, onViewAlarm } from "./user-hub/view-check";
import { viewChanged } from "./user-hub/views";

export type { SocketIdentity } from "./user-hub/context";

/**
 * UserHub, one per user (named by user id): every device's socket (GET /v1/ws
 * lands here), what the user hears about chats they are not viewing (inbox
 * summary + unread count), invitations, presence and push devices.
 *
 * Each client holds ONE socket, to its UserHub. ChatRooms deliver a chat's
 * events to every active member's hub by RPC (`deliver`); the hub relays full
 * events to the sockets subscribed to that chat and an `inbox` summary to the
 * others, and pushes when no device is connected.
 */
export class UserHub extends DurableObject<Env> {
	readonly #store: HubStore;
	readonly #revoked: RevokedSessions;
	readonly #log = createLogger({ do: "UserHub" }, this.env.LOG_LEVEL);
	/** What the helper modules get instead of this class (user-hub/context.ts). */
	readonly #hub: HubContext;

	/** For tests (inside runInDurableObject): the context the helpers get. Not RPC: statics are not on the stub. */
	static context(hub: UserHub): HubContext {
		return hub.#hub;
	}

	/** Development only (POST /v1/dev/evict, bench/chaos): drop this object from memory as an eviction would. */
	async devEvict(): Promise<void> {
		if (isDevEnvironment(this.env.ENVIRONMENT)) this.ctx.abort("evicted by /v1/dev/evict");
	}

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#store = new HubStore(ctx.storage.sql);
		this.#revoked = new RevokedSessions(ctx.storage.sql);
		const self = this;
		const sentSeq = new Map<string, number>();
		this.#hub = {
			env,
			state: ctx,
			store: this.#store,
			revoked: this.#revoked,
			log: this.#log,
			guard: new SocketGuard(),
			replaying: new Map<string, HubEvent[]>(),
			sentSeq,
			get userId() {
				return self.#userId;
			},
			identity: (ws) => this.#identity(ws),
			sockets: () => ctx.getWebSockets(),
			openSockets: () => this.#openSockets(),
			send: (ws, frame, transport) => this.#send(ws, frame, transport),
			// A message past a gap (its predecessors were lost with an evicted room's queue,
			// or a replay had `more`) is still sent but does not advance the mark: the client,
			// seeing the gap, subscribes again from its last seq and the replay fills it.
			sendChatEvent: (ws, socketId, e, transport) => {
				if (isFresh(sentSeq, socketId, e)) this.#send(ws, e, transport);
			},
			redeem: (ticket) => this.#redeem(ticket),
			presenceChanged: (online) => this.#presenceChanged(online),
			sendPush: (n) => this.sendPush(n),
			registerDevice: (userId, d) => this.registerDevice(userId, d),
			unregisterDevice: (deviceId) => this.unregisterDevice(deviceId),
		};
	}

	/** The user this hub belongs to (known from the first RPC that named it). */
	get #userId(): string {
		return this.#store.meta("user_id") ?? "";
	}

	#own(userId: string) {
		if (this.#store.meta("user_id") !== userId) this.#store.setMeta("user_id", userId);
	}

	#identity(ws: WebSocket): SocketIdentity {
		return ws.deserializeAttachment() as SocketIdentity;
	}

	/** Sends one frame; a socket that is already closing is skipped. Returns whether it was written. */
	#send(
		ws: WebSocket,
		frame: ServerFrame | { type: string; [k: string]: unknown },
		transport?: Transport,
	): boolean {
		try {
			const who = this.#identity(ws);
			if (who.p) return sendPhoenix(ws, who, frame);
			ws.send(encodeFrame(frame, transport ?? who.t));
			return true;
		} catch {
			return false;
		}
	}

	/**
	 * Redeems a ticket for one of this user's hub sockets (GET /v1/ws, the
	 * Phoenix socket): signed for this hub's user, spent for the first time in
	 * the TicketLedger, of a session that is live in D1 and not one this hub
	 * was told is revoked. Returns the session (device), else null.
	 */
	async #redeem(ticket: string): Promise<string | null> {
		const t = await redeemWsTicket(ticketRedemption(this.env), ticket);
		if (!t) return null;
		const owner = this.#store.meta("user_id");
		if (owner !== null && owner !== t.userId) return null;
		// The Worker sent the ticket to the hub its user names; a hub that never met its user learns it here.
		this.#own(t.userId);
		return this.#revoked.has(t.sessionId, Date.now()) ? null : t.sessionId;
	}

	/**
	 * RPC from src/domain/auth/revocation.ts: these sessions were revoked.
	 * Their tickets die and every socket they hold, here and in the chats
	 * they view, closes with 4401 (user-hub/revoked.ts).
	 */
	async sessionsRevoked(userId: string, sessionIds: string[]): Promise<{ hub: number; chats: number }> {
		this.#own(userId);
		return closeRevoked(this.#hub, sessionIds);
	}

	/**
	 * RPC from a ChatRoom: its chat-viewing socket `socketId` of `sessionId`
	 * opened (+1) or closed (-1); rooms tell only a hub their user's
	 * ViewRegistry has as online. Returns whether this hub still wants the
	 * chat's events (see user-hub/views.ts and view-check.ts). A hub told while
	 * it has no socket (it lost them without a close) sets the registry right.
	 */
	async viewing(userId: string, chatId: string, sessionId: string, delta: 1 | -1, socketId: string) {
		this.#own(userId);
		viewTold(this.#hub, socketId);
		const wanted = viewChanged(this.#hub, chatId, sessionId, socketId, delta);
		if (this.#openSockets().length === 0) this.ctx.waitUntil(syncOnline(this.#hub));
		else if (delta === 1) this.ctx.waitUntil(armViewCheck(this.#hub));
		return wanted;
	}

	/** The upgrade, already checked for Origin and transport by the Worker (user-hub/hub-socket.ts). */
	override async fetch(request: Request): Promise<Response> {
		if (new URL(request.url).pathname === PHOENIX_SOCKET_PATH) return openPhoenixSocket(this.#hub, request);
		return openHubSocket(this.#hub, request);
	}

	override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
		if (this.#identity(ws).p) return phoenixMessage(this.#hub, ws, raw);
		return hubSocketMessage(this.#hub, ws, raw);
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		try {
			const who = this.#identity(ws);
			this.#store.unsubscribe(who.s);
			for (const key of this.#hub.sentSeq.keys())
				if (key.startsWith(`${who.s}:`)) this.#hub.sentSeq.delete(key);
			try {
				ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
			} catch {
				// Already closed.
			}
			await onSocketClosed(this.#hub, ws);
			await socketClosed(this.#hub, ws);
			if (this.#openSockets().filter((s) => s !== ws).length === 0) {
				await this.#presenceChanged(false);
			}
		} catch (err) {
			this.#log.error("UserHub.webSocketClose failed", { err: String(err) });
		}
	}

	override async webSocketError(ws: WebSocket, error: unknown) {
		try {
			this.#log.warn("UserHub.webSocketError", { err: String(error) });
			this.#store.unsubscribe(this.#identity(ws).s);
			await socketClosed(this.#hub, ws);
		} catch (err) {
			this.#log.error("UserHub.webSocketError failed", { err: String(err) });
		}
	}

	/** The user's sockets that are open (not closing). */
	#openSockets(): WebSocket[] {
		return this.ctx.getWebSockets().filter((s) => s.readyState === WebSocket.OPEN);
	}

	/**
	 * CONTRACT (campaigns, calls): sends `event` to every connected device of
	 * this user; returns how many sockets got it.
	 *
	 * @example await hubOf(env, userId).pushEvent({ type: "campaign.progress", campaign_id, done: 10 });
	 */
	async pushEvent(event: { type: string; [k: string]: unknown }): Promise<number> {
		let n = 0;
		if (event.type === "chat.removed" && typeof event.chat_id === "string")
			this.#store.unsubscribeChat(event.chat_id);
		const sockets = this.#openSockets();
		for (const ws of sockets) if (this.#send(ws, event)) n++;
		// Callers ask the ViewRegistry first (pushToDevices): it has this hub online with no socket (lost
		// without a close, as in a crash), and would go on waking it for nothing.
		if (sockets.length === 0) this.ctx.waitUntil(syncOnline(this.#hub));
		return n;
	}

	/** RPC from another user's hub: WebRTC call signalling (src/domain/calls/signalling.ts). */
	async callSignal(signal: PeerSignal): Promise<PeerReply> {
		return handleCallSignal(this.#hub, signal);
	}

	/** Call timers (src/domain/calls/signalling.ts) and view checks (user-hub/view-check.ts) share the one alarm; each keeps an earlier one. */
	override async alarm() {
		try {
			await onCallAlarm(this.#hub);
		} catch (err) {
			this.#log.error("UserHub.alarm failed", { err: String(err) });
			throw err; // the runtime retries a failed alarm with backoff
		} finally {
			await onViewAlarm(this.#hub);
		}
	}

	/** CONTRACT: whether any device of this user is connected. */
	async isOnline(): Promise<boolean> {
		return this.#openSockets().length > 0;
	}

	/** Presence for others (callers honour `users.hidden` before asking). */
	async presence(): Promise<{ online: boolean; last_seen: number | null }> {
		const online = this.#openSockets().length > 0;
		const last = this.#store.meta("last_seen");
		return { online, last_seen: online ? Date.now() : last ? Number(last) : null };
	}

	/** Announces presence to contacts (and stamps last seen when going offline). */
	async #presenceChanged(online: boolean) {
		if (!online) this.#store.setMeta("last_seen", Date.now());
		try {
			await announcePresence(this.env, this.#userId, online, online ? null : Date.now());
		} catch (err) {
			this.#log.warn("presence announce failed", { err: String(err) });
		}
	}

	/** Called by ChatRooms: the chat's events to this user's sockets (user-hub/deliver.ts). */
	async deliver(batch: DeliverBatch): Promise<DeliverResult> {
		return deliverBatch(this.#hub, batch);
	}

	/** Registers (or updates) a device for push, as the Egg seed's c2s_device_register. */
	async registerDevice(
		userId: string,
		d: { device_id: string; type: "webpush" | "fcm"; push_token: string },
	) {
		this.#own(userId);
		this.#store.upsertDevice(d, Date.now());
		return { device_id: d.device_id, type: d.type };
	}

	async unregisterDevice(deviceId: string): Promise<boolean> {
		return this.#store.removeDevice(deviceId);
	}

	async devices(): Promise<Omit<Device, "push_token">[]> {
		return this.#store.devices().map(({ push_token: _, ...d }) => d);
	}

	/** Sends a push to every registered device; devices the provider reports gone are forgotten. */
	async sendPush(n: PushNotification): Promise<{ sent: number; failed: number }> {
		const result = await sendToDevices(this.env, this.#userId, this.#store.devices(), n);
		for (const id of result.gone) this.#store.removeDevice(id);
		return { sent: result.sent, failed: result.failed };
	}
}

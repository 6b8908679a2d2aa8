import { hubOf, registryOf } from "../../src/domain/chats/deps";
import type { Logger } from "../../src/lib/log";
import type { DeliverBatch, DeliverResult } from "./fanout";
import type { RoomStore } from "./store";
import type { Viewer } from "./viewers";

/**
 * The room's side of its members' UserHubs: a cache of hub stubs, and which
 * viewing users' hubs still want this chat's events although the user views
 * it here (another device of theirs is online; see user-hub/views.ts). The
 * room reports viewing sockets as they open and close to the user's
 * ViewRegistry, tells the hub when it is online, and keeps the hub's answer,
 * in memory and in storage (`hub_wants`).
 *
 * @example
 * links.tell(viewer, 1); // a viewing socket opened
 * links.hub(userId).deliver(batch);
 * if (links.wanting().has(userId)) ... // its hub takes the event too
 */
export class HubLinks {
	private readonly stubs = new Map<string, ReturnType<typeof hubOf>>();
	/** Viewing users whose hub wants the events anyway (another device of theirs is online); see user-hub/views.ts. */
	private wanted: Set<string> | null = null;
	private watching: Set<string> | null = null;

	constructor(
		private readonly env: Env,
		private readonly store: RoomStore,
		private readonly chatId: () => string,
		private readonly waitUntil: (promise: Promise<unknown>) => void,
		private readonly log: Logger,
		/** Closes the user's viewing sockets of a session revoked lately (4401). */
		private readonly closeRevoked: (userId: string, sessionId: string) => void,
	) {}

	/** The user's hub stub; stubs are cheap but not free (id hashing), and a big chat asks for the same ones per message. */
	hub(userId: string) {
		let stub = this.stubs.get(userId);
		if (!stub) {
			stub = hubOf(this.env, userId);
			this.stubs.set(userId, stub);
		}
		return stub;
	}

	/**
	 * Records that this viewing socket opened (+1) or closed (-1) in the
	 * user's ViewRegistry, and tells the user's hub only when the registry
	 * says it is online (has a socket): a hub without one needs no view and is
	 * not woken (durable-objects/view-registry.ts), and wants nothing. The hub's answer is kept:
	 * whether another device of the user still needs this chat's events
	 * through the hub (user-hub/views.ts). A socket of a session revoked
	 * lately is closed (`closeRevoked`). A close that never arrives is caught
	 * by the hub asking `openViewers`.
	 */
	tell(v: Viewer, delta: 1 | -1) {
		const { userId, sessionId, socketId } = v;
		if (!sessionId) return;
		const chatId = this.chatId();
		this.waitUntil(
			(async () => {
				const { online, revoked } = await registryOf(this.env, userId).view(
					userId,
					chatId,
					sessionId,
					socketId,
					delta,
				);
				if (revoked && delta === 1) this.closeRevoked(userId, sessionId);
				// A hub with no socket wants nothing: an answer kept from when another device was online
				// would have every event woken it and pushed to a user who is reading the chat.
				if (!online) return this.setWanted(userId, false);
				this.setWanted(userId, await this.hub(userId).viewing(userId, chatId, sessionId, delta, socketId));
			})().catch((err) => this.log.warn("view report failed", { err: String(err) })),
		);
	}

	/** A viewing socket is gone (`v` null: it was not one): its hub hears of it. */
	viewEnded(v: Viewer | null) {
		if (v) this.tell(v, -1);
	}

	/**
	 * Delivers a batch to the user's hub (Fanout's target). A batch an
	 * offline hub would do nothing with (no message from someone else to push,
	 * or the chat is muted) does not wake a hub that has no socket: the user's
	 * ViewRegistry is asked first, and such a hub answers `sockets: 0`.
	 */
	async deliver(userId: string, batch: DeliverBatch): Promise<DeliverResult> {
		const pushable =
			!batch.muted && batch.events.some((e) => e.type === "message.new" && e.message.sender_id !== userId);
		if (!pushable && !(await registryOf(this.env, userId).isOnline(userId))) return { sockets: 0 };
		return this.hub(userId).deliver(batch);
	}

	/** Records whether the user's hub wants this chat's events (written only when it changes). */
	setWanted(userId: string, wanted: boolean) {
		const set = this.wanting();
		if (wanted === set.has(userId)) return;
		if (wanted) set.add(userId);
		else set.delete(userId);
		this.store.setHubWants(userId, wanted);
	}

	/**
	 * Members whose hub asked to relay this chat to a hub socket (`canRead`
	 * on chat.subscribe): with the room's viewers, the ones who have the chat
	 * open, and so the ones a membership change is for (chat-room/member-events.ts).
	 * Kept in storage; it only grows while they are members (an extra
	 * chat.updated to a hub that stopped watching is harmless).
	 */
	watchers(): Set<string> {
		this.watching ??= this.store.hubWatchers();
		return this.watching;
	}

	/** The user's hub relays this chat to a subscribed hub socket. */
	watched(userId: string) {
		const set = this.watchers();
		if (set.has(userId)) return;
		set.add(userId);
		this.store.addHubWatcher(userId);
	}

	/** The viewing users whose hub wants this chat's events anyway (read from storage once per wake-up). */
	wanting(): Set<string> {
		this.wanted ??= this.store.hubWants();
		return this.wanted;
	}
}

/**
 * Which of `socketIds` are open viewing sockets of `userId` among `sockets`
 * (the room's `getWebSockets(userId)`: viewing sockets are tagged with their
 * user). A socket that is closing counts as gone: its close handler tells
 * the hub anyway, and telling twice changes nothing.
 *
 * @example openViewerIds(ctx.getWebSockets(userId), ["s1", "s2"]) // ["s2"]: s1 is gone
 */
export function openViewerIds(sockets: WebSocket[], socketIds: readonly string[]): string[] {
	const asked = new Set(socketIds);
	const open: string[] = [];
	for (const ws of sockets) {
		if (ws.readyState !== WebSocket.OPEN) continue;
		const id = (ws.deserializeAttachment() as { socketId?: string } | null)?.socketId;
		if (id && asked.has(id)) open.push(id);
	}
	return open;
}

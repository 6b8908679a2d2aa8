import { DurableObject } from "cloudflare:workers";
import type {
	ChatEvent,
	E2eGroupInput,
	Message,
	Receipt,
	SendE2eInput,
	SendMessageInput,
} from "@hatch/contract/frames";
import { createLogger } from "../src/lib/log";
import { asResult, type Result } from "../src/lib/result";
import { isDevEnvironment } from "../src/providers/dev-mode";
import type { Outgoing, RoomContext } from "./chat-room/context";
import { editGroup, groupSeq, sendGroup } from "./chat-room/e2e-messages";
import { Fanout } from "./chat-room/fanout";
import { HubLinks, openViewerIds } from "./chat-room/hub-links";
import { memberChangeAudience } from "./chat-room/member-events";
import { type Member, Membership } from "./chat-room/membership";
import {
	editMessage,
	type HistoryPage,
	historyPage,
	markAttachmentDeleted,
	messageDetail,
	type Replay,
	removeMessage,
	replayAfter,
	sendMessage,
} from "./chat-room/messages";
import { Outbox } from "./chat-room/outbox";
import { markRead, memberReceipts, ReceiptTracker } from "./chat-room/receipts";
import { RoomStore } from "./chat-room/store";
import { SummaryWriter } from "./chat-room/summary";
import { signalTyping } from "./chat-room/typing";
import { openViewer, viewerClosed, viewerFailed, viewerMessage } from "./chat-room/viewer-socket";
import { Viewers } from "./chat-room/viewers";
import { SocketGuard } from "./user-hub/guard";

export type { HistoryPage, Replay };

/** How long events may wait to go out together once the room is busy (a quiet room sends at once). */
const OUTBOX_WINDOW_MS = 5;

/**
 * ChatRoom, one per chat (named by chat id): the message log in SQLite with
 * a per-chat seq, edit history, tombstones, receipts, typing, and fan-out.
 * Membership is read from D1 (the source of truth) and cached until
 * `membersChanged`, for at most MEMBERS_FRESH_MS. Every method that a client can reach checks membership
 * here, in one place.
 *
 * Fan-out (README "Realtime"): each event is first written to this room's own
 * chat-viewing sockets (GET /v1/chats/{id}/ws, hibernation API), encoded once
 * per transport; then it goes by RPC only to the UserHubs of active members
 * with no viewing socket here (inbox summary, unread count, push).
 *
 * The work lives in chat-room/ (messages, receipts, typing, viewer sockets,
 * hub links, membership), mostly as functions of a `RoomContext` this class
 * builds once; the class keeps the RPC methods, the socket handlers and the
 * choice of path for each event (viewing sockets, then hubs).
 */
export class ChatRoom extends DurableObject<Env> {
	private readonly store: RoomStore;
	private readonly membership: Membership;
	/** When each user's last typing indicator went out (chat-room/typing.ts). */
	private readonly typingAt = new Map<string, number>();
	private readonly log = createLogger({ do: "ChatRoom" }, this.env.LOG_LEVEL);
	private readonly fanout: Fanout;
	private readonly links: HubLinks;
	private readonly receiptTracker: ReceiptTracker;
	private readonly viewers: Viewers;
	private readonly outbox = new Outbox<Outgoing>((batch) => {
		// One event (a room at an ordinary pace) is one frame for every socket: collecting it per batching
		// socket first cost a map entry, a key and a second loop per socket for nothing (bench/fanout/README.md).
		if (batch.length === 1) {
			const [{ userIds, event }] = batch as [Outgoing];
			this.#deliverNow(userIds, event);
			return;
		}
		this.viewers.beginBatch();
		try {
			for (const { userIds, event } of batch) this.#deliverNow(userIds, event);
		} finally {
			this.viewers.endBatch(this.#chatId);
		}
	}, OUTBOX_WINDOW_MS);
	/** The chat id, once read from storage (every RPC names it; a SQL read each time added up). */
	private boundChatId: string | null = null;
	/** The last audience array `#audience` turned into a set. */
	private audience: { ids: string[]; set: ReadonlySet<string> } | null = null;
	/** What the helper modules in chat-room/ work with. */
	private readonly room: RoomContext;

	/** Development only (POST /v1/dev/evict, bench/chaos): drop this object from memory as an eviction would. */
	async devEvict(): Promise<void> {
		if (isDevEnvironment(this.env.ENVIRONMENT)) this.ctx.abort("evicted by /v1/dev/evict");
	}

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		const store = new RoomStore(ctx.storage.sql);
		this.store = store;
		// Whoever the list no longer has as active stops viewing at once (left, removed, or found so on a reload).
		this.membership = new Membership(env.DB, store, (members, only) => this.#closeNonMembers(members, only));
		this.viewers = new Viewers(
			() => ctx.getWebSockets(),
			() => store.lastSeq(),
		);
		const summary = new SummaryWriter(env.DB, (e) =>
			this.log.error("summary write failed", { err: String(e) }),
		);
		this.links = new HubLinks(
			env,
			store,
			() => this.#chatId,
			(p) => ctx.waitUntil(p),
			this.log,
			(userId, sessionId) => this.#closeSessions(userId, [sessionId]),
		);
		this.receiptTracker = new ReceiptTracker(
			store,
			() => this.#chatId,
			(u) => this.membership.get(u)?.status === "active",
			(u, event) => this.#emit(u, event),
		);
		this.fanout = new Fanout(
			(u) => ({ deliver: (batch) => this.links.deliver(u, batch) }),
			(u) => ({
				chatId: this.#chatId,
				unread: Math.max(0, store.lastSeq() - store.receipt(u).read_seq),
				muted: this.membership.get(u)?.muted ?? false,
				chatName: this.membership.name(),
			}),
			(u, events, r) => this.receiptTracker.delivered(u, events, r),
			(msg, err) => this.log.warn(msg, { err: String(err) }),
		);
		this.room = {
			store,
			db: env.DB,
			membership: this.membership,
			viewers: this.viewers,
			outbox: this.outbox,
			links: this.links,
			receipts: this.receiptTracker,
			summary,
			guard: new SocketGuard(),
			typingAt: this.typingAt,
			log: this.log,
			chatId: () => this.#chatId,
			member: (chatId, userId) => this.#member(chatId, userId),
			emit: (userIds, event) => this.#emit(userIds, event),
		};
	}

	/** RPC from a UserHub: whether it wants this chat's events although the user views it (another device came or went). */
	async hubWants(chatId: string, userId: string, wanted: boolean) {
		this.#bind(chatId);
		this.links.setWanted(userId, wanted);
	}

	/** RPC from a UserHub checking its views (user-hub/view-check.ts): which of these viewing sockets of the user are open here. */
	async openViewers(userId: string, socketIds: string[]): Promise<string[]> {
		return openViewerIds(this.ctx.getWebSockets(userId), socketIds);
	}

	/** RPC from a UserHub (user-hub/revoked.ts): these auth sessions of the user were revoked; their viewing sockets close (4401). */
	async closeSessions(chatId: string, userId: string, sessionIds: string[]): Promise<number> {
		this.#bind(chatId);
		return this.#closeSessions(userId, sessionIds);
	}

	/** Closes the user's viewing sockets of these sessions (4401); each close is reported like any other. */
	#closeSessions(userId: string, sessionIds: readonly string[]): number {
		const closed = this.viewers.closeSessions(userId, new Set(sessionIds));
		for (const v of closed) this.links.viewEnded(v);
		return closed.length;
	}

	get #chatId(): string {
		this.boundChatId ??= this.store.meta("chat_id") ?? "";
		return this.boundChatId;
	}

	#bind(chatId: string) {
		if (this.#chatId === chatId) return;
		this.store.setMeta("chat_id", chatId);
		this.boundChatId = chatId;
	}

	/** The caller must be an active member; non-members get NOT_FOUND so nothing about the chat leaks. */
	async #member(chatId: string, userId: string): Promise<Member> {
		this.#bind(chatId);
		return this.membership.check(chatId, userId);
	}

	/**
	 * Appends a message. Idempotent on (sender, client_id): a retry returns the
	 * original message and sends nothing again. Support chats take messages
	 * only from the SupportDesk (`viaDesk`).
	 */
	async send(
		chatId: string,
		userId: string,
		input: SendMessageInput,
		viaDesk = false,
	): Promise<Result<{ message: Message; duplicate: boolean }>> {
		return asResult(() => sendMessage(this.room, chatId, userId, input, viaDesk));
	}

	/** Sends an e2e message group: one ciphertext per current member device (chat-room/e2e-messages.ts). */
	async sendE2e(
		chatId: string,
		userId: string,
		input: SendE2eInput,
	): Promise<Result<{ message: Message; duplicate: boolean }>> {
		return asResult(() => sendGroup(this.room, chatId, userId, input));
	}

	/** Edits an e2e message with a new message group for the same seq. */
	async editE2e(chatId: string, userId: string, seq: number, input: E2eGroupInput): Promise<Result<Message>> {
		return asResult(() => editGroup(this.room, chatId, userId, seq, input));
	}

	/** The seq of the message whose current group is `groupId`. */
	async groupSeq(chatId: string, userId: string, groupId: string): Promise<Result<number>> {
		return asResult(() => groupSeq(this.room, chatId, userId, groupId));
	}

	/** Edits the sender's own message, keeping the previous text in its history. */
	async edit(chatId: string, userId: string, seq: number, text: string): Promise<Result<Message>> {
		return asResult(() => editMessage(this.room, chatId, userId, seq, text));
	}

	/** Deletes a message (sender, or the group's owner/admin): a tombstone keeps its seq. */
	async remove(chatId: string, userId: string, seq: number): Promise<Result<Message>> {
		return asResult(() => removeMessage(this.room, chatId, userId, seq));
	}

	/** One message with its edit history and, for its sender, per-recipient receipts. */
	async message(chatId: string, userId: string, seq: number) {
		return asResult(() => messageDetail(this.room, chatId, userId, seq));
	}

	/** History newest first by opaque `page_token`, or oldest first after `after_seq` (Egg). */
	async history(
		chatId: string,
		userId: string,
		q: { page_token?: string; page_size?: number; after_seq?: number },
	): Promise<Result<HistoryPage>> {
		return asResult(() => historyPage(this.room, chatId, userId, q));
	}

	/**
	 * Resume: everything after `afterSeq` (oldest first, up to REPLAY_MAX; ask
	 * again while `more`) plus older messages edited or deleted since.
	 */
	async replay(chatId: string, userId: string, afterSeq: number): Promise<Result<Replay>> {
		return asResult(() => replayAfter(this.room, chatId, userId, afterSeq));
	}

	/** Read marker: everything up to `seq` is read by `userId` (and so delivered). */
	async read(chatId: string, userId: string, seq: number): Promise<Result<Receipt>> {
		return asResult(() => markRead(this.room, chatId, userId, seq));
	}

	/** Receipt watermarks of every active member. */
	async receipts(chatId: string, userId: string): Promise<Result<Receipt[]>> {
		return asResult(() => memberReceipts(this.room, chatId, userId));
	}

	/** Typing indicator: ephemeral (never stored), at most one per user per TYPING_THROTTLE_MS. */
	async typing(chatId: string, userId: string): Promise<Result<{ sent: boolean }>> {
		return asResult(() => signalTyping(this.room, this.typingAt, chatId, userId));
	}

	/**
	 * Called by the chat domain after a membership change in D1. A change of
	 * one member rereads that member only (an owner who left may have handed
	 * the group on: that rereads the list); the event goes to whom it concerns
	 * (chat-room/member-events.ts).
	 */
	async membersChanged(chatId: string, change: string, userId?: string, broadcast = true) {
		this.#bind(chatId);
		if (userId !== undefined && change !== "left" && change !== "renamed")
			await this.membership.update(chatId, userId);
		else await this.membership.load(chatId, true);
		const watching = new Set([...this.viewers.viewingUsers(), ...this.links.watchers()]);
		if (broadcast)
			this.#emit(
				memberChangeAudience(change, userId, this.membership.activeIds(), watching, (u) => {
					const role = this.membership.get(u)?.role;
					return role === "owner" || role === "admin";
				}),
				{
					type: "chat.updated",
					chat_id: chatId,
					seq: this.store.lastSeq(),
					change,
					user_id: userId,
				},
			);
	}

	#closeNonMembers(members: Map<string, Member>, only?: string) {
		for (const u of only === undefined ? this.viewers.viewingUsers() : [only])
			if (members.get(u)?.status !== "active")
				for (const v of this.viewers.closeUser(u, "No longer a member")) this.links.viewEnded(v);
	}

	/** Subscribe check used by UserHub before it relays this chat to a socket. */
	async canRead(chatId: string, userId: string): Promise<Result<{ last_seq: number }>> {
		return asResult(async () => {
			await this.#member(chatId, userId);
			this.links.watched(userId);
			return { last_seq: this.store.lastSeq() };
		});
	}

	/** The files area calls this when a file is deleted: every message carrying it shows it as deleted. */
	async markAttachmentDeleted(fileId: string): Promise<number> {
		return markAttachmentDeleted(this.room, fileId);
	}

	/** Deletes the whole chat's storage (the D1 rows are already gone). */
	async destroy(chatId: string) {
		this.#bind(chatId);
		this.membership.clear();
		for (const u of this.viewers.viewingUsers())
			for (const v of this.viewers.closeUser(u, "Chat deleted")) this.links.viewEnded(v);
		this.outbox.clear();
		await this.ctx.storage.deleteAll();
		this.store.init();
		this.boundChatId = null;
	}

	/**
	 * Fans one event out (through the outbox, which coalesces under load):
	 * first to this room's viewing sockets (one loop, one encoding per
	 * transport), then by RPC to the hubs of the recipients no viewing socket
	 * here reached.
	 */
	#emit(userIds: string[], event: ChatEvent) {
		this.outbox.push({ userIds, event });
	}

	#deliverNow(userIds: string[], event: ChatEvent) {
		if (!this.viewers.size) {
			this.fanout.enqueue(userIds, event);
			return;
		}
		const reached = this.viewers.broadcast(event, this.#audience(userIds));
		if (event.type === "message.new")
			for (const u of reached)
				if (u !== event.message.sender_id) this.receiptTracker.deliveredLive(u, event.seq);
		// A viewer whose socket is closing (or still catching up) was not reached: its hub takes the event.
		// So does the hub of a viewer with another device online.
		const wanted = this.links.wanting();
		this.fanout.enqueue(
			reached.size ? userIds.filter((u) => !reached.has(u) || wanted.has(u)) : userIds,
			event,
		);
	}

	/**
	 * `userIds` as a set. Most events go to every active member, whose list is one array until the
	 * members change: its set is built once, not once per event (1,000 members: 1,000 hashes per message).
	 */
	#audience(userIds: string[]): ReadonlySet<string> {
		if (this.audience?.ids !== userIds) this.audience = { ids: userIds, set: new Set(userIds) };
		return this.audience.set;
	}

	/**
	 * GET /v1/chats/{id}/ws lands here (the Worker has checked the ticket,
	 * Origin and transport): a member's chat-viewing socket; anyone else 404.
	 */
	override async fetch(request: Request): Promise<Response> {
		return openViewer(this.room, this.ctx, request);
	}

	override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
		return viewerMessage(this.room, ws, raw);
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		return viewerClosed(this.room, ws, code, reason);
	}

	override async webSocketError(ws: WebSocket, error: unknown) {
		return viewerFailed(this.room, ws, error);
	}
}

import { DurableObject } from "cloudflare:workers";
import { createDb } from "../src/db/client";
import { asResult, hubOf, type RoomResult } from "../src/domain/chats/deps";
import { attachFilesToMessage } from "../src/domain/files/attach";
import { ApiError } from "../src/errors";
import { newId } from "../src/lib/ids";
import { createLogger } from "../src/lib/log";
import { decodeFrame, type Transport } from "../src/protocol/codec";
import type {
	ChatEvent,
	ErrorFrame,
	Message,
	Receipt,
	SendMessageInput,
	ServerFrame,
} from "../src/protocol/frames";
import { LIMITS } from "../src/protocol/limits";
import { type DeliverResult, Fanout } from "./chat-room/fanout";
import { Outbox } from "./chat-room/outbox";
import { RoomStore } from "./chat-room/store";
import { SummaryWriter } from "./chat-room/summary";
import { viewerDispatch } from "./chat-room/viewer-frames";
import { type Viewer, Viewers } from "./chat-room/viewers";
import { SocketGuard } from "./user-hub/guard";

type Member = { role: "owner" | "admin" | "member"; status: "active" | "invited"; muted: boolean };

/** A history page in the shape of every list (the Phoenix seed's `{items, page_token}`). */
export type HistoryPage = { items: Message[]; page_token: string | null };
export type Replay = { messages: Message[]; updated: Message[]; last_seq: number; more: boolean };

/** How long events may wait to go out together once the room is busy (a quiet room sends at once). */
const OUTBOX_WINDOW_MS = 5;

/**
 * ChatRoom, one per chat (named by chat id): the message log in SQLite with
 * a per-chat seq, edit history, tombstones, receipts, typing, and fan-out.
 * Membership is read from D1 (the source of truth) and cached until
 * `membersChanged`. Every method that a client can reach checks membership
 * here, in one place.
 *
 * Fan-out (README "Realtime"): each event is first written to this room's own
 * chat-viewing sockets (GET /v1/chats/{id}/ws, hibernation API), encoded once
 * per transport; then it goes by RPC only to the UserHubs of active members
 * with no viewing socket here (inbox summary, unread count, push).
 */
export class ChatRoom extends DurableObject<Env> {
	private readonly store: RoomStore;
	private members: Map<string, Member> | null = null;
	private readonly typingAt = new Map<string, number>();
	private readonly dirtyReceipts = new Map<string, number>();
	private receiptTimer: ReturnType<typeof setTimeout> | null = null;
	private readonly log = createLogger({ do: "ChatRoom" }, this.env.LOG_LEVEL);
	private readonly fanout: Fanout;
	private readonly hubs = new Map<string, ReturnType<typeof hubOf>>();
	private readonly summary: SummaryWriter;
	private readonly viewers: Viewers;
	private readonly guard = new SocketGuard();
	private readonly outbox = new Outbox<{ userIds: string[]; event: ChatEvent }>((batch) => {
		for (const { userIds, event } of batch) this.deliverNow(userIds, event);
	}, OUTBOX_WINDOW_MS);
	/** Delivered watermarks known in memory, so a broadcast to 1,000 viewers reads no SQL per viewer. */
	private readonly knownDelivered = new Map<string, number>();
	/** `activeIds()` of the current `members` map (rebuilt when the map is replaced). */
	private active: { members: Map<string, Member> | null; ids: string[] } | null = null;
	/** The chat id, once read from storage (every RPC names it; a SQL read each time added up). */
	private boundChatId: string | null = null;
	/** Viewing users whose hub wants the events anyway (another device of theirs is online); see user-hub/views.ts. */
	private hubWanted: Set<string> | null = null;
	private chatName: string | null = null;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new RoomStore(ctx.storage.sql);
		this.viewers = new Viewers(
			() => ctx.getWebSockets(),
			() => this.store.lastSeq(),
		);
		this.summary = new SummaryWriter(env.DB, (e) =>
			this.log.error("summary write failed", { err: String(e) }),
		);
		this.fanout = new Fanout(
			(u) => this.hub(u),
			(u) => ({
				chatId: this.chatId,
				unread: Math.max(0, this.store.lastSeq() - this.store.receipt(u).read_seq),
				muted: this.members?.get(u)?.muted ?? false,
				chatName: this.name(),
			}),
			(u, events, r) => this.delivered(u, events, r),
			(msg, err) => this.log.warn(msg, { err: String(err) }),
		);
	}

	/** The user's hub stub; stubs are cheap but not free (id hashing), and a big chat asks for the same ones per message. */
	private hub(userId: string) {
		let stub = this.hubs.get(userId);
		if (!stub) {
			stub = hubOf(this.env, userId);
			this.hubs.set(userId, stub);
		}
		return stub;
	}

	/**
	 * Tells the user's hub that a viewing socket of `sessionId` opened (+1) or
	 * closed (-1), and keeps its answer: whether another device of the user
	 * still needs this chat's events through the hub (user-hub/views.ts).
	 */
	private tellHub(userId: string, sessionId: string | undefined, delta: 1 | -1) {
		if (!sessionId) return;
		const chatId = this.chatId;
		this.ctx.waitUntil(
			this.hub(userId)
				.viewing(userId, chatId, sessionId, delta)
				.then((wanted) => this.setHubWanted(userId, wanted))
				.catch((err) => this.log.warn("hub.viewing failed", { err: String(err) })),
		);
	}

	private viewEnded(v: Viewer | null) {
		if (v) this.tellHub(v.userId, v.sessionId, -1);
	}

	private setHubWanted(userId: string, wanted: boolean) {
		this.hubWanted ??= this.store.hubWants();
		if (wanted === this.hubWanted.has(userId)) return;
		if (wanted) this.hubWanted.add(userId);
		else this.hubWanted.delete(userId);
		this.store.setHubWants(userId, wanted);
	}

	/** RPC from a UserHub: whether it wants this chat's events although the user views it (another device came or went). */
	async hubWants(chatId: string, userId: string, wanted: boolean) {
		this.bind(chatId);
		this.setHubWanted(userId, wanted);
	}

	private get chatId(): string {
		this.boundChatId ??= this.store.meta("chat_id") ?? "";
		return this.boundChatId;
	}

	private name(): string | null {
		this.chatName ??= this.store.meta("name");
		return this.chatName;
	}

	private bind(chatId: string) {
		if (this.chatId === chatId) return;
		this.store.setMeta("chat_id", chatId);
		this.boundChatId = chatId;
	}

	private async loadMembers(chatId: string, force = false): Promise<Map<string, Member>> {
		if (this.members && !force) return this.members;
		const { results } = await this.env.DB.prepare(
			"SELECT m.user_id, m.role, m.status, m.muted, c.name FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE m.chat_id = ?",
		)
			.bind(chatId)
			.all<{
				user_id: string;
				role: Member["role"];
				status: Member["status"];
				muted: number;
				name: string | null;
			}>();
		this.members = new Map(
			results.map((r) => [r.user_id, { role: r.role, status: r.status, muted: !!r.muted }]),
		);
		this.chatName = results[0]?.name ?? "";
		this.store.setMeta("name", this.chatName);
		return this.members;
	}

	/** The caller must be an active member; non-members get NOT_FOUND so nothing about the chat leaks. */
	private async member(chatId: string, userId: string): Promise<Member> {
		this.bind(chatId);
		let m = (await this.loadMembers(chatId)).get(userId);
		// A member who just joined may predate our cache; D1 decides.
		if (m?.status !== "active") m = (await this.loadMembers(chatId, true)).get(userId);
		if (!m) throw new ApiError("NOT_FOUND", "Chat not found");
		if (m.status !== "active") throw new ApiError("FORBIDDEN", "Accept the invitation first");
		return m;
	}

	private activeIds(): string[] {
		if (this.active?.members !== this.members) {
			const ids = [...(this.members ?? new Map<string, Member>())]
				.filter(([, m]) => m.status === "active")
				.map(([id]) => id);
			this.active = { members: this.members, ids };
		}
		return this.active.ids;
	}

	/**
	 * Appends a message. Idempotent on (sender, client_id): a retry returns the
	 * original message and sends nothing again.
	 */
	async send(
		chatId: string,
		userId: string,
		input: SendMessageInput,
	): Promise<RoomResult<{ message: Message; duplicate: boolean }>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const dup = this.store.byClientId(userId, input.client_id);
			if (dup) return { message: this.store.toMessage(chatId, dup), duplicate: true };
			if (input.reply_to !== undefined && !this.store.bySeq(input.reply_to)) {
				throw new ApiError("REPLY_NOT_FOUND", "The message replied to does not exist", { status: 404 });
			}
			const id = newId();
			let attachments: Message["attachments"] = [];
			if (input.attachments?.length) {
				const files = await attachFilesToMessage(createDb(this.env.DB), {
					userId,
					chatId,
					messageId: id,
					fileIds: input.attachments,
				});
				attachments = files.map((f) => ({
					file_id: f.id,
					name: f.name,
					size: f.size,
					content_type: f.content_type,
					deleted: false,
				}));
				// Another request with the same client id may have landed while we awaited D1.
				const raced = this.store.byClientId(userId, input.client_id);
				if (raced) return { message: this.store.toMessage(chatId, raced), duplicate: true };
			}
			const seq = this.store.lastSeq() + 1;
			const rev = this.store.nextRev();
			const now = Date.now();
			this.store.insert({
				seq,
				id,
				sender_id: userId,
				client_id: input.client_id,
				text: input.text,
				reply_to: input.reply_to ?? null,
				attachments: JSON.stringify(attachments),
				created_at: now,
				created_rev: rev,
				updated_rev: rev,
			});
			if (attachments.length)
				this.store.linkFiles(
					seq,
					attachments.map((a) => a.file_id),
				);
			this.store.raiseReceipt(userId, seq, seq);
			const message = this.store.toMessage(
				chatId,
				this.store.bySeq(seq) as NonNullable<ReturnType<RoomStore["bySeq"]>>,
			);
			this.emit(this.activeIds(), { type: "message.new", chat_id: chatId, seq, message });
			// The reply waits for the inbox index so the sender's next chat list shows this message.
			await this.summary.set(chatId, { seq, senderId: userId, text: summaryText(message), at: now });
			return { message, duplicate: false };
		});
	}

	/** Edits the sender's own message, keeping the previous text in its history. */
	async edit(chatId: string, userId: string, seq: number, text: string): Promise<RoomResult<Message>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const row = this.store.bySeq(seq);
			if (!row || row.deleted_at)
				throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
			if (row.sender_id !== userId) throw new ApiError("FORBIDDEN", "Only the sender may edit a message");
			if (row.text === text) return this.store.toMessage(chatId, row);
			this.store.edit(seq, row.text, text, Date.now(), this.store.nextRev());
			return this.changed(chatId, seq);
		});
	}

	/** Deletes a message (sender, or the group's owner/admin): a tombstone keeps its seq. */
	async remove(chatId: string, userId: string, seq: number): Promise<RoomResult<Message>> {
		return asResult(async () => {
			const me = await this.member(chatId, userId);
			const row = this.store.bySeq(seq);
			if (!row) throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
			if (row.sender_id !== userId && me.role === "member")
				throw new ApiError("FORBIDDEN", "You may not delete this message");
			if (row.deleted_at) return this.store.toMessage(chatId, row);
			this.store.tombstone(seq, Date.now(), this.store.nextRev());
			return this.changed(chatId, seq);
		});
	}

	private changed(chatId: string, seq: number): Message {
		const message = this.store.toMessage(
			chatId,
			this.store.bySeq(seq) as NonNullable<ReturnType<RoomStore["bySeq"]>>,
		);
		this.emit(this.activeIds(), { type: "message.updated", chat_id: chatId, seq, message });
		return message;
	}

	/** One message with its edit history and, for its sender, per-recipient receipts. */
	async message(chatId: string, userId: string, seq: number) {
		return asResult(async () => {
			await this.member(chatId, userId);
			const row = this.store.bySeq(seq);
			if (!row) throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
			const receipts =
				row.sender_id === userId
					? this.activeIds()
							.filter((u) => u !== userId)
							.map((u) => {
								const r = this.store.receipt(u);
								const status: "read" | "delivered" | "pending" =
									r.read_seq >= seq ? "read" : r.delivered_seq >= seq ? "delivered" : "pending";
								return { user_id: u, status };
							})
					: null;
			return {
				message: this.store.toMessage(chatId, row),
				edits: row.deleted_at ? [] : this.store.editsOf(seq),
				receipts,
			};
		});
	}

	/** History newest first by opaque `page_token`, or oldest first after `after_seq` (Egg). */
	async history(
		chatId: string,
		userId: string,
		q: { page_token?: string; page_size?: number; after_seq?: number },
	): Promise<RoomResult<HistoryPage>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const size = q.page_size ?? LIMITS.PAGE_SIZE_DEFAULT;
			// The token says which way it pages (`a` oldest first, `b` newest first) and from where.
			const token = q.page_token ? /^([ab])(\d{1,15})$/.exec(q.page_token) : null;
			if (q.page_token && !token)
				throw new ApiError("INVALID_PAGE_TOKEN", "page_token is not one this server issued", { status: 400 });
			const ascending = token ? token[1] === "a" : q.after_seq !== undefined;
			const from = token ? Number(token[2]) : ascending ? (q.after_seq ?? 0) : this.store.lastSeq() + 1;
			const rows = ascending ? this.store.after(from, size + 1) : this.store.page(from, size + 1);
			const page = rows.slice(0, size);
			const last = page[page.length - 1]?.seq;
			return {
				items: page.map((r) => this.store.toMessage(chatId, r)),
				page_token: rows.length > size ? `${ascending ? "a" : "b"}${last}` : null,
			};
		});
	}

	/**
	 * Resume: everything after `afterSeq` (oldest first, up to REPLAY_MAX; ask
	 * again while `more`) plus older messages edited or deleted since.
	 */
	async replay(chatId: string, userId: string, afterSeq: number): Promise<RoomResult<Replay>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const rows = this.store.after(afterSeq, LIMITS.REPLAY_MAX + 1);
			const more = rows.length > LIMITS.REPLAY_MAX;
			const updated = afterSeq > 0 ? this.store.changedSince(afterSeq, LIMITS.REPLAY_MAX) : [];
			return {
				messages: rows.slice(0, LIMITS.REPLAY_MAX).map((r) => this.store.toMessage(chatId, r)),
				updated: updated.map((r) => this.store.toMessage(chatId, r)),
				last_seq: this.store.lastSeq(),
				more,
			};
		});
	}

	/** Read marker: everything up to `seq` is read by `userId` (and so delivered). */
	async read(chatId: string, userId: string, seq: number): Promise<RoomResult<Receipt>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const upTo = Math.min(seq, this.store.lastSeq());
			const before = this.store.receipt(userId);
			if (upTo > before.read_seq) {
				this.store.raiseReceipt(userId, upTo, upTo);
				this.markDirty(userId, before.read_seq);
				await this.env.DB.prepare(
					"UPDATE chat_members SET last_read_seq = max(last_read_seq, ?) WHERE chat_id = ? AND user_id = ?",
				)
					.bind(upTo, chatId, userId)
					.run();
			}
			return this.store.receipt(userId);
		});
	}

	/** Receipt watermarks of every active member. */
	async receipts(chatId: string, userId: string): Promise<RoomResult<Receipt[]>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const all = new Map(this.store.receipts().map((r) => [r.user_id, r]));
			return this.activeIds().map((u) => all.get(u) ?? { user_id: u, delivered_seq: 0, read_seq: 0 });
		});
	}

	/** Typing indicator: ephemeral (never stored), at most one per user per TYPING_THROTTLE_MS. */
	async typing(chatId: string, userId: string): Promise<RoomResult<{ sent: boolean }>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			const now = Date.now();
			if (now - (this.typingAt.get(userId) ?? 0) < LIMITS.TYPING_THROTTLE_MS) return { sent: false };
			this.typingAt.set(userId, now);
			const others = this.activeIds().filter((u) => u !== userId);
			this.emit(others, {
				type: "typing",
				chat_id: chatId,
				seq: this.store.lastSeq(),
				user_id: userId,
			});
			return { sent: true };
		});
	}

	/** Called by the chat domain after a membership change in D1: reload, and tell the members. */
	async membersChanged(chatId: string, change: string, userId?: string, broadcast = true) {
		this.bind(chatId);
		const members = await this.loadMembers(chatId, true);
		// Someone who left or was removed stops viewing at once.
		for (const u of this.viewers.viewingUsers())
			if (members.get(u)?.status !== "active")
				for (const v of this.viewers.closeUser(u, "No longer a member")) this.viewEnded(v);
		if (broadcast)
			this.emit(this.activeIds(), {
				type: "chat.updated",
				chat_id: chatId,
				seq: this.store.lastSeq(),
				change,
				user_id: userId,
			});
	}

	/** Subscribe check used by UserHub before it relays this chat to a socket. */
	async canRead(chatId: string, userId: string): Promise<RoomResult<{ last_seq: number }>> {
		return asResult(async () => {
			await this.member(chatId, userId);
			return { last_seq: this.store.lastSeq() };
		});
	}

	/** The files area calls this when a file is deleted: every message carrying it shows it as deleted. */
	async markAttachmentDeleted(fileId: string): Promise<number> {
		const chatId = this.chatId;
		const seqs = this.store.seqsWithFile(fileId);
		if (!chatId) return 0;
		await this.loadMembers(chatId);
		for (const seq of seqs) {
			const row = this.store.bySeq(seq);
			if (!row || row.deleted_at) continue;
			const atts = (JSON.parse(row.attachments) as Message["attachments"]).map((a) =>
				a.file_id === fileId ? { ...a, deleted: true } : a,
			);
			this.store.setAttachments(seq, JSON.stringify(atts), this.store.nextRev());
			this.changed(chatId, seq);
		}
		return seqs.length;
	}

	/** Deletes the whole chat's storage (the D1 rows are already gone). */
	async destroy(chatId: string) {
		this.bind(chatId);
		this.members = new Map();
		this.knownDelivered.clear();
		for (const u of this.viewers.viewingUsers())
			for (const v of this.viewers.closeUser(u, "Chat deleted")) this.viewEnded(v);
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
	private emit(userIds: string[], event: ChatEvent) {
		this.outbox.push({ userIds, event });
	}

	private deliverNow(userIds: string[], event: ChatEvent) {
		if (!this.viewers.size) {
			this.fanout.enqueue(userIds, event);
			return;
		}
		const reached = this.viewers.broadcast(event, new Set(userIds));
		if (event.type === "message.new")
			for (const u of reached) if (u !== event.message.sender_id) this.deliveredLive(u, event.seq);
		// A viewer whose socket is closing (or still catching up) was not reached: its hub takes the event.
		// So does the hub of a viewer with another device online.
		this.hubWanted ??= this.store.hubWants();
		const wanted = this.hubWanted;
		this.fanout.enqueue(
			reached.size ? userIds.filter((u) => !reached.has(u) || wanted.has(u)) : userIds,
			event,
		);
	}

	/**
	 * GET /v1/chats/{id}/ws lands here (the Worker has checked the ticket,
	 * Origin and transport): a member's chat-viewing socket; anyone else 404.
	 */
	override async fetch(request: Request): Promise<Response> {
		const chatId = request.headers.get("X-Hatch-Chat") ?? "";
		const userId = request.headers.get("X-Hatch-User") ?? "";
		const sessionId = request.headers.get("X-Hatch-Session") ?? "";
		const transport = request.headers.get("X-Hatch-Transport") as Transport;
		const after = new URL(request.url).searchParams.get("after_seq");
		try {
			await this.member(chatId, userId);
		} catch (err) {
			const e = err instanceof ApiError ? err : null;
			if (!e) this.log.error("ChatRoom.fetch failed", { err: String(err) });
			return Response.json(
				{ error: { code: e?.code ?? "INTERNAL", message: e?.message ?? "Internal error", requestId: "" } },
				{ status: e?.status ?? 500 },
			);
		}
		const pair = new WebSocketPair();
		const [client, server] = [pair[0], pair[1]];
		this.ctx.acceptWebSocket(server, [userId]);
		// Everything stored is written out before a socket joins at the room's last seq.
		this.outbox.flush();
		const v = this.viewers.add(server, {
			userId,
			sessionId,
			socketId: newId(),
			transport,
			lastSeq: this.store.lastSeq(),
		});
		// Until the hub answers, assume another device may need the events (a spare RPC, never a loss).
		if (sessionId) this.setHubWanted(userId, true);
		this.tellHub(userId, sessionId, 1);
		this.viewers.send(
			server,
			{ type: "hello", user_id: userId, socket_id: v.socketId, protocol: transport },
			transport,
		);
		if (after !== null) await this.subscribeViewer(server, v, Number(after));
		return new Response(null, {
			status: 101,
			webSocket: client,
			headers: { "Sec-WebSocket-Protocol": transport },
		});
	}

	/**
	 * `chat.subscribe` on a viewing socket: replays from storage everything
	 * after `afterSeq` (or after what this socket was already sent, whichever
	 * is later), then the socket is live. Synchronous after the membership
	 * check, so no live event interleaves with the replay.
	 */
	async subscribeViewer(ws: WebSocket, v: Viewer, afterSeq?: number) {
		const chatId = this.chatId;
		await this.member(chatId, v.userId);
		this.outbox.flush();
		const last = this.store.lastSeq();
		if (afterSeq === undefined) {
			v.lastSeq = v.pristine ? last : Math.max(v.lastSeq, last);
			v.behind = false;
			this.viewers.save(ws, v);
			return { chat_id: chatId, last_seq: last, replayed: 0, more: false };
		}
		const from = Math.min(last, v.pristine ? afterSeq : Math.max(afterSeq, v.lastSeq));
		v.lastSeq = from;
		const rows = this.store.after(from, LIMITS.REPLAY_MAX + 1);
		const more = rows.length > LIMITS.REPLAY_MAX;
		const messages = rows.slice(0, LIMITS.REPLAY_MAX).map((r) => this.store.toMessage(chatId, r));
		const updated =
			from > 0
				? this.store.changedSince(from, LIMITS.REPLAY_MAX).map((r) => this.store.toMessage(chatId, r))
				: [];
		this.viewers.replay(ws, v, chatId, messages, updated, more);
		return {
			chat_id: chatId,
			last_seq: last,
			replayed: messages.length,
			more,
			next_after_seq: v.lastSeq,
		};
	}

	override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
		try {
			const v = this.viewers.get(ws);
			if (!v) return;
			const error = (e: Omit<ErrorFrame, "type">) =>
				this.viewers.send(ws, { type: "error", ...e } satisfies ErrorFrame, v.transport);
			const limited = this.guard.rateLimit(ws);
			if (limited) {
				error({
					id: null,
					code: 429,
					reason: "RATE_LIMITED",
					message: "Too many frames; slow down",
					retry_after_ms: limited,
				});
				return;
			}
			const decoded = decodeFrame(raw, v.transport);
			if (!decoded.ok || "call" in decoded) {
				if (decoded.ok)
					error({
						id:
							typeof decoded.call.id === "string" || typeof decoded.call.id === "number"
								? decoded.call.id
								: null,
						code: 400,
						reason: "NOT_ON_CHAT_SOCKET",
						message: "call.* frames are sent on the hub socket (GET /v1/ws)",
					});
				else error({ id: decoded.id, code: decoded.code, reason: decoded.reason, message: decoded.message });
				if (!decoded.ok && this.guard.badFrame(ws)) ws.close(1008, "Too many invalid frames");
				return;
			}
			const frame = decoded.frame;
			try {
				const result = await viewerDispatch(this, ws, v, this.chatId, frame);
				this.viewers.send(ws, { type: "result", id: frame.id, result } satisfies ServerFrame, v.transport);
			} catch (err) {
				const e = err instanceof ApiError ? err : null;
				if (!e)
					this.log.error("ChatRoom.webSocketMessage dispatch failed", { type: frame.type, err: String(err) });
				error({
					id: frame.id,
					code: e?.status ?? 500,
					reason: e ? String(e.code) : "INTERNAL",
					message: e?.message ?? "Internal error",
				});
			}
		} catch (err) {
			this.log.error("ChatRoom.webSocketMessage failed", { err: String(err) });
		}
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string) {
		try {
			this.viewEnded(this.viewers.remove(ws));
			try {
				ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
			} catch {
				// Already closed.
			}
		} catch (err) {
			this.log.error("ChatRoom.webSocketClose failed", { err: String(err) });
		}
	}

	override async webSocketError(ws: WebSocket, error: unknown) {
		try {
			this.log.warn("ChatRoom.webSocketError", { err: String(error) });
			this.viewEnded(this.viewers.remove(ws));
		} catch (err) {
			this.log.error("ChatRoom.webSocketError failed", { err: String(err) });
		}
	}

	/** A viewer's socket was written `seq`: raise its delivered mark (memory first, persisted in the 100 ms flush). */
	private deliveredLive(userId: string, seq: number) {
		const known = this.knownDelivered.get(userId) ?? this.store.receipt(userId).delivered_seq;
		if (seq <= known) return;
		this.knownDelivered.set(userId, seq);
		this.store.raiseDeliveredLater(userId, seq);
		this.markDirty(userId, known);
	}

	private delivered(userId: string, events: ChatEvent[], r: DeliverResult) {
		if (r.sockets === 0) return;
		let max = 0;
		for (const e of events)
			if (e.type === "message.new" && e.message.sender_id !== userId) max = Math.max(max, e.seq);
		const before = this.store.receipt(userId);
		if (max > before.delivered_seq) {
			this.store.raiseDeliveredLater(userId, max);
			this.markDirty(userId, before.delivered_seq);
		}
	}

	/** Receipt changes are batched (100 ms) and sent to the senders of the affected messages only. */
	private markDirty(userId: string, fromSeq: number) {
		this.dirtyReceipts.set(userId, Math.min(fromSeq, this.dirtyReceipts.get(userId) ?? fromSeq));
		this.receiptTimer ??= setTimeout(() => this.flushReceipts(), 100);
	}

	private flushReceipts() {
		this.receiptTimer = null;
		this.store.persistDelivered();
		const chatId = this.chatId;
		if (!chatId || !this.dirtyReceipts.size) return;
		const from = Math.min(...this.dirtyReceipts.values());
		const receipts = [...this.dirtyReceipts.keys()].map((u) => this.store.receipt(u));
		this.dirtyReceipts.clear();
		const senders = this.store.sendersAfter(from).filter((s) => this.members?.get(s)?.status === "active");
		this.emit(senders, { type: "receipt", chat_id: chatId, seq: this.store.lastSeq(), receipts });
	}
}

function summaryText(m: Message): string {
	if (m.text) return m.text.slice(0, 200);
	return m.attachments.length
		? `[${m.attachments.length} attachment${m.attachments.length > 1 ? "s" : ""}]`
		: "";
}

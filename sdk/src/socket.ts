import { decodeServerFrame, encodeFrame, type Transport } from "@hatch/contract/codec";
import type { Message } from "@hatch/contract/frames";
import type { Api } from "./api.ts";
import { type Backoff, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import { Emitter } from "./emitter.ts";
import { CLIENT_CODES, HatchError } from "./errors.ts";
import {
	type EventOf,
	type OutgoingRequest,
	RETRYABLE,
	type ServerEvent,
	type ServerEventType,
	type SocketState,
} from "./events.ts";
import { ChatPositions } from "./resume.ts";

/** The subset of the WHATWG WebSocket both browsers and `ws` provide. */
export type WebSocketLike = {
	binaryType: string;
	readyState: number;
	onopen: ((ev: unknown) => void) | null;
	onmessage: ((ev: { data: unknown }) => void) | null;
	onclose: ((ev: { code: number; reason: string }) => void) | null;
	onerror: ((ev: unknown) => void) | null;
	send(data: string | ArrayBuffer): void;
	close(code?: number, reason?: string): void;
};
export type WebSocketCtor = new (url: string, protocols: string[]) => WebSocketLike;

export type SocketOptions = {
	transport?: Transport;
	/** `batch=1` (default true): the server may send `events` frames, which are unpacked. */
	batch?: boolean;
	backoff?: Backoff;
	/** Defaults to the global WebSocket; in Node pass `ws`'s WebSocket. */
	WebSocket?: WebSocketCtor;
	/** How long a request may wait for its reply, counted from when it was first made (default 60 s). */
	requestTimeoutMs?: number;
};

/** Which socket: the user's hub (`/v1/ws`) or one chat's viewing socket (`/v1/chats/{id}/ws`). */
export type SocketTarget = { kind: "hub" } | { kind: "chat"; chatId: string };

type Pending = {
	frame: Record<string, unknown>;
	resolve: (v: unknown) => void;
	reject: (e: HatchError) => void;
	sent: boolean;
	timer: ReturnType<typeof setTimeout>;
};

type SocketEvents = { [K in ServerEventType]: EventOf<K> } & { state: SocketState; error: HatchError };

/**
 * One Hatch socket that stays up: reconnects with backoff and jitter,
 * resumes every followed chat from the last `seq` it holds (passing each
 * `message.new` exactly once, re-subscribing on a gap), resends idempotent
 * requests (message.send keeps its client_id) after a drop, and answers each
 * request with one promise.
 *
 * @example
 * const hub = new HatchSocket(api, { kind: "hub" }, { WebSocket });
 * hub.on("message.new", (e) => console.log(e.message.text));
 * await hub.connect(); await hub.follow(chatId);
 */
export class HatchSocket {
	private readonly emitter = new Emitter<SocketEvents>();
	private readonly positions = new ChatPositions();
	private readonly pending = new Map<number, Pending>();
	private readonly resyncing = new Set<string>();
	private ws: WebSocketLike | null = null;
	private nextId = 1;
	private attempt = 0;
	private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
	private ready: Promise<void> | null = null;
	private markReady: (() => void) | null = null;
	private failReady: ((e: HatchError) => void) | null = null;
	private current: SocketState = "connecting";
	private stopped = false;
	private readonly transport: Transport;
	private readonly opts: Required<Omit<SocketOptions, "WebSocket">> & { WebSocket: WebSocketCtor };

	constructor(
		private readonly api: Api,
		readonly target: SocketTarget,
		opts: SocketOptions = {},
	) {
		const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketCtor }).WebSocket;
		if (!Ctor) throw new Error("No WebSocket available: pass { WebSocket } from the ws package in Node");
		this.transport = opts.transport ?? "json";
		this.opts = {
			transport: this.transport,
			batch: opts.batch ?? true,
			backoff: opts.backoff ?? DEFAULT_BACKOFF,
			requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
			WebSocket: Ctor,
		};
		if (target.kind === "chat") this.positions.follow(target.chatId);
	}

	get state(): SocketState {
		return this.current;
	}

	/** Adds a listener for a typed event, `state` or `error`; returns its remover. */
	on<K extends keyof SocketEvents>(type: K, fn: (value: SocketEvents[K]) => void): () => void {
		return this.emitter.on(type, fn);
	}

	/** Opens the socket; resolves at the server's `hello` (and every later reconnect happens by itself). */
	connect(): Promise<void> {
		this.stopped = false;
		if (!this.ready) {
			this.ready = new Promise<void>((resolve, reject) => {
				this.markReady = resolve;
				this.failReady = reject;
			});
			void this.open();
		}
		return this.ready;
	}

	/** Closes for good: no reconnect, every waiting request is rejected with CLOSED. */
	close(): void {
		this.stopped = true;
		if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
		this.ws?.close(1000, "client closed");
		this.ws = null;
		for (const [id, p] of this.pending)
			this.settle(id, p, new HatchError(CLIENT_CODES.CLOSED, "Socket closed", 0));
		this.setState("closed");
	}

	/** Drops the connection as a network failure would (tests, or a client that knows the network changed). */
	drop(): void {
		this.ws?.close(4000, "dropped by client");
	}

	/** Sends one request; the promise takes its `result` or rejects with its `error` as a HatchError. */
	request<T = unknown>(frame: OutgoingRequest): Promise<T> {
		const id = this.nextId++;
		return new Promise<T>((resolve, reject) => {
			const timer = setTimeout(() => {
				const p = this.pending.get(id);
				if (p) this.settle(id, p, new HatchError(CLIENT_CODES.TIMEOUT, `No reply to ${frame.type}`, 0));
			}, this.opts.requestTimeoutMs);
			const p: Pending = {
				frame: { ...frame, id },
				resolve: resolve as (v: unknown) => void,
				reject,
				sent: false,
				timer,
			};
			this.pending.set(id, p);
			if (this.current === "open") this.write(p);
		});
	}

	/**
	 * Posts a message, idempotently: the client_id (generated unless given)
	 * travels with every retry, so a send cut off by a drop is resent after
	 * the reconnect and still makes one message.
	 */
	sendMessage(
		chatId: string,
		text: string,
		opts: { client_id?: string; reply_to?: number; attachments?: string[] } = {},
	) {
		return this.request<{ message: Message; duplicate?: boolean }>({
			type: "message.send",
			chat_id: chatId,
			client_id: opts.client_id ?? randomId(),
			text,
			reply_to: opts.reply_to,
			attachments: opts.attachments,
		});
	}

	/**
	 * Follows a chat on the hub socket (`chat.subscribe`): replays what came
	 * after `afterSeq` (asking again while `more`), then live; re-followed
	 * from the last seq held after every reconnect.
	 */
	async follow(chatId: string, afterSeq?: number): Promise<void> {
		this.positions.follow(chatId, afterSeq);
		if (this.current === "open") await this.resubscribe(chatId);
	}

	async unfollow(chatId: string): Promise<void> {
		this.positions.unfollow(chatId);
		if (this.target.kind === "hub") await this.request({ type: "chat.unsubscribe", chat_id: chatId });
	}

	/** The last message seq this socket holds for a chat. */
	lastSeq(chatId: string): number | undefined {
		return this.positions.lastSeq(chatId);
	}

	private async open(): Promise<void> {
		if (this.stopped) return;
		this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
		let url: string;
		try {
			const { ticket } = await this.api.json<{ ticket: string }>("POST", "/v1/ws/ticket");
			url = this.socketUrl(ticket);
		} catch (err) {
			const e = err instanceof HatchError ? err : new HatchError("NETWORK", String(err), 0);
			if (e.code === CLIENT_CODES.SIGNED_OUT || e.status === 401 || e.status === 403) return this.fail(e);
			return this.scheduleReconnect();
		}
		if (this.stopped) return;
		const ws = new this.opts.WebSocket(url, [this.transport]);
		ws.binaryType = "arraybuffer";
		this.ws = ws;
		ws.onmessage = (ev) => {
			if (this.ws === ws) this.onFrame(ev.data);
		};
		ws.onclose = () => {
			if (this.ws !== ws) return;
			this.ws = null;
			this.onDrop();
		};
		ws.onerror = () => {
			// onclose follows and does the work.
		};
	}

	private socketUrl(ticket: string): string {
		const base = this.api.baseUrl.replace(/^http/, "ws");
		const q = new URLSearchParams({ ticket });
		if (this.opts.batch) q.set("batch", "1");
		if (this.target.kind === "hub") return `${base}/v1/ws?${q}`;
		const after = this.positions.lastSeq(this.target.chatId);
		if (after !== undefined) q.set("after_seq", String(after));
		return `${base}/v1/chats/${encodeURIComponent(this.target.chatId)}/ws?${q}`;
	}

	private onFrame(data: unknown): void {
		const frame = decodeServerFrame(data as string | ArrayBuffer, this.transport);
		if (!frame) return;
		if (frame.type === "result" || frame.type === "error") {
			const p = typeof frame.id === "number" ? this.pending.get(frame.id) : undefined;
			if (!p || typeof frame.id !== "number") return;
			if (frame.type === "result") this.settle(frame.id, p, null, frame.result);
			else
				this.settle(
					frame.id,
					p,
					new HatchError(frame.reason, frame.message, frame.code, { retryAfterMs: frame.retry_after_ms }),
				);
			return;
		}
		if (frame.type === "events") {
			for (const e of frame.events) this.onEvent(e);
			return;
		}
		if (frame.type === "hello") {
			this.attempt = 0;
			void this.onHello();
		}
		this.onEvent(frame as ServerEvent);
	}

	private onEvent(e: ServerEvent): void {
		if (e.type === "message.new" && this.followed(e.chat_id)) {
			const verdict = this.positions.judge(e.chat_id, e.seq);
			if (verdict === "duplicate") return;
			if (verdict === "gap") {
				void this.resubscribe(e.chat_id);
				return;
			}
		}
		this.emitter.emit(e.type, e as never);
	}

	private followed(chatId: string): boolean {
		return this.positions.entries().some(([c]) => c === chatId);
	}

	private async onHello(): Promise<void> {
		this.setState("open");
		// Resend what was cut off (idempotent) and what waited for the connection.
		for (const p of this.pending.values()) this.write(p);
		this.markReady?.();
		this.markReady = null;
		// A hibernating socket that never sent a frame keeps its TCP connection about 10 s after the
		// server closes it (workerd; README, "Realtime", item 7): one frame from the client ends that.
		if (this.pending.size === 0) this.request({ type: "ping" }).catch(() => undefined);
		// A chat socket resumed through ?after_seq= already; the hub re-follows each chat.
		if (this.target.kind === "hub")
			await Promise.all(this.positions.entries().map(([chatId]) => this.resubscribe(chatId)));
		else if (this.positions.lastSeq(this.target.chatId) === undefined)
			await this.resubscribe(this.target.chatId);
	}

	/** `chat.subscribe` from the last seq held, again while the server says `more`. */
	private async resubscribe(chatId: string): Promise<void> {
		if (this.resyncing.has(chatId)) return;
		this.resyncing.add(chatId);
		try {
			for (;;) {
				const after = this.positions.lastSeq(chatId);
				const r = await this.request<{ last_seq: number; more: boolean }>({
					type: "chat.subscribe",
					chat_id: chatId,
					...(after === undefined ? {} : { after_seq: after }),
				});
				if (!r.more) {
					if (after === undefined) this.positions.follow(chatId, r.last_seq);
					return;
				}
			}
		} catch (err) {
			// A drop is followed by a reconnect, which subscribes again; anything else is the caller's to see.
			if (
				err instanceof HatchError &&
				err.code !== CLIENT_CODES.DISCONNECTED &&
				err.code !== CLIENT_CODES.CLOSED
			)
				this.emitter.emit("error", err);
		} finally {
			this.resyncing.delete(chatId);
		}
	}

	private onDrop(): void {
		for (const [id, p] of this.pending) {
			if (p.sent && !RETRYABLE.has(String(p.frame.type)))
				this.settle(
					id,
					p,
					new HatchError(CLIENT_CODES.DISCONNECTED, `Connection lost during ${p.frame.type}`, 0),
				);
			else p.sent = false;
		}
		this.resyncing.clear();
		if (!this.stopped) this.scheduleReconnect();
	}

	private scheduleReconnect(): void {
		this.setState("reconnecting");
		const delay = backoffDelay(this.attempt++, this.opts.backoff);
		this.reconnectTimer = setTimeout(() => void this.open(), delay);
	}

	private fail(e: HatchError): void {
		this.emitter.emit("error", e);
		this.failReady?.(e);
		this.failReady = null;
		this.close();
	}

	private write(p: Pending): void {
		if (!this.ws || p.sent) return;
		p.sent = true;
		this.ws.send(encodeFrame(p.frame, this.transport));
	}

	private settle(id: number, p: Pending, err: HatchError | null, value?: unknown): void {
		clearTimeout(p.timer);
		this.pending.delete(id);
		if (err) p.reject(err);
		else p.resolve(value);
	}

	private setState(s: SocketState): void {
		if (this.current === s) return;
		this.current = s;
		this.emitter.emit("state", s);
	}
}

export function randomId(): string {
	return globalThis.crypto.randomUUID();
}

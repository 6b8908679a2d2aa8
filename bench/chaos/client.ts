// One chaos client: a hub socket (GET /v1/ws, chat.subscribe per chat) or a
// chat-viewing socket (GET /v1/chats/{id}/ws), json or msgpack, that keeps
// every message of its chats once and in seq order, reconnects whenever its
// socket dies and resumes with chat.subscribe {after_seq}, and subscribes
// again from its last seq when it sees a gap (README "Resume").
import { decode, encode } from "@msgpack/msgpack";
import WebSocket from "ws";

export type Counters = {
	connects: number;
	connect_failures: number;
	closes: number;
	gaps_found: number;
	gaps_healed: number;
	resubscribes: number;
	heals_by_new_socket: number;
	heal_socket_reopens: number;
	duplicate_copies: number;
	subscribe_errors: number;
};

export const newCounters = (): Counters => ({
	connects: 0,
	connect_failures: 0,
	closes: 0,
	gaps_found: 0,
	gaps_healed: 0,
	resubscribes: 0,
	heals_by_new_socket: 0,
	heal_socket_reopens: 0,
	duplicate_copies: 0,
	subscribe_errors: 0,
});

export type ClientSpec = {
	idx: number;
	kind: "hub" | "viewer";
	userId: string;
	transport: "json" | "msgpack";
	/** viewer: its one chat; hub: the chats it subscribes to. */
	chats: string[];
	/** The user's chats (a hub client may send to any of them). */
	memberOf: string[];
};

export type ClientEnv = {
	base(): string;
	ticket(spec: ClientSpec): Promise<string>;
	counters: Counters;
	rand(): number;
};

/** What a client holds of one chat. */
class ChatState {
	last = 0;
	held: string[] = [];
	pending = new Map<number, string>();
	healing = false;
	healTries = 0;
	healTimer: NodeJS.Timeout | undefined;
	/** This gap needed a new socket (the subscribes on the old one brought nothing). */
	newSocket = false;
}

/** How many subscribes a gap gets before the client gives up on this socket and opens a new one. */
const HEAL_SUBSCRIBES = 3;
const HEAL_WAIT_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * At most this many handshakes (ticket + upgrade) in flight across all clients:
 * after a restart 500 clients reconnecting at once queue behind each other in
 * wrangler's proxy until every ticket takes longer than its timeout.
 */
const HANDSHAKES = 12;
let handshakes = 0;
const waiting: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
	if (handshakes >= HANDSHAKES) await new Promise<void>((r) => waiting.push(r));
	handshakes++;
	try {
		return await fn();
	} finally {
		handshakes--;
		waiting.shift()?.();
	}
}

export class ChaosClient {
	ws: WebSocket | null = null;
	stopped = false;
	readonly state = new Map<string, ChatState>();
	private reqs = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();
	private nextId = 0;
	private connecting = false;

	readonly spec: ClientSpec;
	private readonly env: ClientEnv;

	constructor(spec: ClientSpec, env: ClientEnv) {
		this.spec = spec;
		this.env = env;
		for (const c of spec.chats) this.state.set(c, new ChatState());
	}

	get open() {
		return this.ws?.readyState === WebSocket.OPEN;
	}

	/** Connects (retrying until it works or the client stops), then subscribes every chat from its last seq. */
	async connect(): Promise<void> {
		if (this.connecting || this.stopped) return;
		this.connecting = true;
		try {
			for (let attempt = 0; !this.stopped; attempt++) {
				try {
					const ws = await limited(() => this.openSocket());
					this.ws = ws;
					this.env.counters.connects++;
					await Promise.all(this.spec.chats.map((c) => this.subscribe(c)));
					return;
				} catch {
					this.env.counters.connect_failures++;
					await sleep(Math.min(3000, 200 * 2 ** Math.min(attempt, 4)) * (0.5 + this.env.rand()));
				}
			}
		} finally {
			this.connecting = false;
		}
	}

	private async openSocket(): Promise<WebSocket> {
		const ticket = encodeURIComponent(await this.env.ticket(this.spec));
		const wsBase = this.env.base().replace("http", "ws");
		const path = this.spec.kind === "hub" ? "/v1/ws" : `/v1/chats/${this.spec.chats[0]}/ws`;
		const ws = new WebSocket(`${wsBase}${path}?ticket=${ticket}`, this.spec.transport, {
			perMessageDeflate: false,
		});
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				ws.terminate();
				reject(new Error("no hello"));
			}, 15_000);
			ws.once("message", (d) => {
				clearTimeout(timer);
				const f = this.decode(d);
				if (f.type === "hello") resolve();
				else reject(new Error(`first frame ${String(f.type)}`));
			});
			ws.once("error", (e) => {
				clearTimeout(timer);
				reject(e);
			});
			ws.once("close", () => {
				clearTimeout(timer);
				reject(new Error("closed before hello"));
			});
		});
		ws.on("message", (d) => this.onFrame(this.decode(d)));
		ws.on("error", () => {});
		ws.once("close", () => this.onClose(ws));
		return ws;
	}

	private decode(d: WebSocket.RawData): Record<string, unknown> {
		const buf = Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d as ArrayBuffer);
		return (this.spec.transport === "json" ? JSON.parse(buf.toString()) : decode(buf)) as Record<
			string,
			unknown
		>;
	}

	private onClose(ws: WebSocket) {
		if (this.ws !== ws) return;
		this.ws = null;
		this.env.counters.closes++;
		for (const r of this.reqs.values()) r.reject(new Error("socket closed"));
		this.reqs.clear();
		if (!this.stopped) setTimeout(() => void this.connect(), 200 + this.env.rand() * 2000);
	}

	/** The driver's random drop: the TCP connection just dies, as on a lost network. */
	kill() {
		this.ws?.terminate();
	}

	stop() {
		this.stopped = true;
		for (const s of this.state.values()) clearTimeout(s.healTimer);
		this.ws?.terminate();
	}

	request(frame: Record<string, unknown>, timeoutMs = 15_000): Promise<Record<string, unknown>> {
		const ws = this.ws;
		if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("not open"));
		const id = `r${++this.nextId}`;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.reqs.delete(id);
				reject(new Error("timeout"));
			}, timeoutMs);
			this.reqs.set(id, {
				resolve: (v) => {
					clearTimeout(timer);
					resolve(v as Record<string, unknown>);
				},
				reject: (e) => {
					clearTimeout(timer);
					reject(e);
				},
			});
			const f = { ...frame, id };
			ws.send(this.spec.transport === "json" ? JSON.stringify(f) : encode(f));
		});
	}

	/** chat.subscribe {after_seq: last held}; asks again while the answer says `more`. */
	async subscribe(chatId: string): Promise<void> {
		for (let round = 0; round < 100; round++) {
			const st = this.state.get(chatId) as ChatState;
			const r = await this.request({ type: "chat.subscribe", chat_id: chatId, after_seq: st.last });
			if (!r.more) return;
			// Let the replayed frames land before asking from the new last seq.
			await sleep(50);
		}
	}

	private onFrame(f: Record<string, unknown>) {
		if (f.type === "result" || f.type === "error") {
			const r = this.reqs.get(String(f.id));
			if (!r) return;
			this.reqs.delete(String(f.id));
			if (f.type === "result") r.resolve(f.result);
			else r.reject(new Error(`${String(f.code)} ${String(f.reason)}`));
			return;
		}
		if (f.type === "message.new") {
			const m = f.message as { client_id?: string | null };
			this.onMessage(String(f.chat_id), Number(f.seq), String(m?.client_id ?? ""));
		}
	}

	private onMessage(chatId: string, seq: number, clientId: string) {
		const st = this.state.get(chatId);
		if (!st) return; // a hub event for a chat this client does not follow
		if (seq <= st.last || st.pending.has(seq)) {
			this.env.counters.duplicate_copies++;
			return;
		}
		st.pending.set(seq, clientId);
		while (st.pending.has(st.last + 1)) {
			st.held.push(st.pending.get(st.last + 1) as string);
			st.pending.delete(st.last + 1);
			st.last++;
		}
		if (st.pending.size === 0 && st.healing) {
			st.healing = false;
			clearTimeout(st.healTimer);
			this.env.counters.gaps_healed++;
		} else if (st.pending.size > 0 && !st.healing) {
			// A gap: something after our last seq arrived before the seqs in between.
			this.env.counters.gaps_found++;
			st.healing = true;
			st.healTries = 0;
			st.newSocket = false;
			this.heal(chatId);
		}
	}

	/** Subscribes again from the last seq held; after HEAL_SUBSCRIBES that bring nothing, opens a new socket. */
	private heal(chatId: string) {
		const st = this.state.get(chatId) as ChatState;
		if (!st.healing || this.stopped) return;
		clearTimeout(st.healTimer);
		if (!this.open) {
			// Reconnecting: its subscribe resumes from the last seq; look again once it is back.
			st.healTimer = setTimeout(() => this.heal(chatId), HEAL_WAIT_MS);
			return;
		}
		st.healTries++;
		if (st.healTries > HEAL_SUBSCRIBES) {
			if (!st.newSocket) this.env.counters.heals_by_new_socket++;
			st.newSocket = true;
			this.env.counters.heal_socket_reopens++;
			st.healTries = 0;
			this.kill();
		} else {
			this.env.counters.resubscribes++;
			this.subscribe(chatId).catch(() => {
				this.env.counters.subscribe_errors++;
			});
		}
		st.healTimer = setTimeout(() => this.heal(chatId), HEAL_WAIT_MS);
	}

	/** At the end: bring `chatId` up to `target` the same way a gap is healed. */
	catchUp(chatId: string, target: number) {
		const st = this.state.get(chatId) as ChatState;
		if (st.last >= target || st.healing) return;
		this.env.counters.gaps_found++;
		st.healing = true;
		st.healTries = 0;
		st.newSocket = false;
		// Nothing pending to fill: mark with a placeholder so the heal ends when target is reached.
		st.pending.set(target + 1_000_000_000, "");
		const check = setInterval(() => {
			if (st.last >= target || this.stopped) {
				st.pending.delete(target + 1_000_000_000);
				if (st.pending.size === 0 && st.healing) {
					st.healing = false;
					clearTimeout(st.healTimer);
					this.env.counters.gaps_healed++;
				}
				clearInterval(check);
			}
		}, 200);
		this.heal(chatId);
	}
}

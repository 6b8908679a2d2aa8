import { exports } from "cloudflare:workers";
import { decode, encode } from "@msgpack/msgpack";
import type { TestUser } from "./users";

export type Frame = { type: string; id?: string | number | null; [k: string]: unknown };

/** Mints a ticket over REST for `user`. */
export async function mintTicket(user: TestUser): Promise<string> {
	const res = await exports.default.fetch(
		new Request("https://hatch.test/v1/ws/ticket", { method: "POST", headers: user.auth }),
	);
	if (res.status !== 200) throw new Error(`ticket: ${res.status} ${await res.text()}`);
	return ((await res.json()) as { ticket: string }).ticket;
}

/**
 * Calls `handle` with every frame `ws` receives, decoded (text as JSON,
 * binary as msgpack), in arrival order: binary frames arrive as Blobs here,
 * so a promise chain keeps them in order. Shared by the native and seed test clients.
 */
export function onDecodedFrames(ws: WebSocket, handle: (value: unknown) => void): void {
	let chain = Promise.resolve();
	ws.addEventListener("message", (ev) => {
		const data = ev.data as string | ArrayBuffer | Blob;
		chain = chain.then(async () => {
			const bytes = typeof data === "string" ? null : data instanceof Blob ? await data.arrayBuffer() : data;
			handle(bytes ? decode(new Uint8Array(bytes)) : JSON.parse(data as string));
		});
	});
}

/**
 * A real WebSocket client against the Worker inside workerd, speaking json
 * or msgpack, with request/response matching and an event log.
 *
 * @example const ws = await WsClient.connect(alice); await ws.request({ type: "ping" });
 */
export class WsClient {
	readonly frames: Frame[] = [];
	closed: { code: number; reason: string } | null = null;
	private seq = 0;
	private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

	private constructor(
		readonly ws: WebSocket,
		readonly transport: "json" | "msgpack",
	) {
		onDecodedFrames(ws, (value) => this.receive(value as Frame));
		ws.addEventListener("close", (ev) => {
			this.closed = { code: ev.code, reason: ev.reason };
		});
	}

	/** Called for every frame, in order (after it is logged). */
	onFrame: ((f: Frame) => void) | null = null;

	private receive(frame: Frame) {
		this.frames.push(frame);
		this.onFrame?.(frame);
		this.waiters = this.waiters.filter((w) => {
			if (!w.pred(frame)) return true;
			w.resolve(frame);
			return false;
		});
	}

	static async connect(
		user: TestUser,
		opts: { transport?: "json" | "msgpack"; origin?: string; batch?: boolean } = {},
	): Promise<WsClient> {
		const transport = opts.transport ?? "json";
		const ticket = await mintTicket(user);
		const headers: Record<string, string> = { Upgrade: "websocket", "Sec-WebSocket-Protocol": transport };
		if (opts.origin) headers.Origin = opts.origin;
		const batch = opts.batch ? "&batch=1" : "";
		const res = await exports.default.fetch(
			new Request(`https://hatch.test/v1/ws?ticket=${encodeURIComponent(ticket)}${batch}`, { headers }),
		);
		if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
		const ws = res.webSocket;
		ws.accept();
		const client = new WsClient(ws, transport);
		await client.waitFor((f) => f.type === "hello");
		return client;
	}

	/** Opens a chat-viewing socket (GET /v1/chats/{id}/ws), optionally subscribed from `afterSeq`. */
	static async connectChat(
		user: TestUser,
		chatId: string,
		opts: { transport?: "json" | "msgpack"; afterSeq?: number; batch?: boolean } = {},
	): Promise<WsClient> {
		const transport = opts.transport ?? "json";
		const ticket = await mintTicket(user);
		const after = opts.afterSeq === undefined ? "" : `&after_seq=${opts.afterSeq}`;
		const batch = opts.batch ? "&batch=1" : "";
		const res = await exports.default.fetch(
			new Request(
				`https://hatch.test/v1/chats/${chatId}/ws?ticket=${encodeURIComponent(ticket)}${after}${batch}`,
				{
					headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": transport },
				},
			),
		);
		if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
		const ws = res.webSocket;
		ws.accept();
		const client = new WsClient(ws, transport);
		await client.waitFor((f) => f.type === "hello");
		return client;
	}

	/** Opens a socket at any ticketed path (e.g. /v1/support/ws), waiting for its `hello`. */
	static async connectPath(
		user: TestUser,
		path: string,
		opts: { transport?: "json" | "msgpack" } = {},
	): Promise<WsClient> {
		const transport = opts.transport ?? "json";
		const ticket = await mintTicket(user);
		const res = await exports.default.fetch(
			new Request(`https://hatch.test${path}?ticket=${encodeURIComponent(ticket)}`, {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": transport },
			}),
		);
		if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
		const ws = res.webSocket;
		ws.accept();
		const client = new WsClient(ws, transport);
		await client.waitFor((f) => f.type === "hello");
		return client;
	}

	sendRaw(data: string | Uint8Array | ArrayBuffer) {
		this.ws.send(data);
	}

	send(frame: Frame) {
		this.ws.send(this.transport === "json" ? JSON.stringify(frame) : encode(frame).slice().buffer);
	}

	/** Sends a request and resolves with its `result` or `error` frame. */
	async call(frame: Omit<Frame, "id"> & { id?: string | number }, timeoutMs = 10_000): Promise<Frame> {
		const id = frame.id ?? `r${++this.seq}`;
		const reply = this.waitFor((f) => (f.type === "result" || f.type === "error") && f.id === id, timeoutMs);
		this.send({ ...frame, id } as Frame);
		return reply;
	}

	/** Sends a request and returns its result, throwing on an error frame. */
	async request<T = Record<string, unknown>>(frame: Omit<Frame, "id">, timeoutMs?: number): Promise<T> {
		const reply = await this.call(frame, timeoutMs);
		if (reply.type === "error")
			throw new Error(`${frame.type}: ${reply.code} ${reply.reason} ${reply.message}`);
		return reply.result as T;
	}

	/** Resolves with the first frame (already received or future) matching `pred`. */
	waitFor(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
		const seen = this.frames.find(pred);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const timer = setTimeout(
				() =>
					reject(
						new Error(`timed out waiting for a frame (have: ${this.frames.map((f) => f.type).join(",")})`),
					),
				timeoutMs,
			);
			this.waiters.push({
				pred,
				resolve: (f) => {
					clearTimeout(timer);
					resolve(f);
				},
			});
		});
	}

	/** Waits until `n` frames match `pred`. */
	async waitForCount(pred: (f: Frame) => boolean, n: number, timeoutMs = 10_000): Promise<Frame[]> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			const got = this.frames.filter(pred);
			if (got.length >= n) return got;
			await new Promise((r) => setTimeout(r, 10));
		}
		throw new Error(`timed out: ${this.frames.filter(pred).length}/${n}`);
	}

	/**
	 * A marker instead of a quiet period: sends a `ping` and resolves with the frames
	 * (matching `pred`) that arrived after the first `since` frames and before its reply.
	 * Whatever an earlier action caused on this socket comes before the reply.
	 *
	 * @example const mark = ws.frames.length; act(); expect(await ws.framesBeforePong(mark)).toEqual([]);
	 */
	async framesBeforePong(since = 0, pred: (f: Frame) => boolean = () => true): Promise<Frame[]> {
		const id = `marker${++this.seq}`;
		const reply = this.waitFor((f) => f.id === id);
		this.send({ type: "ping", id });
		const at = this.frames.indexOf(await reply);
		return this.frames.slice(since, at).filter(pred);
	}

	events(type: string, chatId?: string): Frame[] {
		return this.frames.filter((f) => f.type === type && (chatId === undefined || f.chat_id === chatId));
	}

	close(code = 1000) {
		try {
			this.ws.close(code, "bye");
		} catch {
			// already closed
		}
	}
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

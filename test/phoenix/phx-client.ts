import { exports } from "cloudflare:workers";

export type Phx = [string | null, string | null, string, string, Record<string, unknown>];
type Reply = { status: "ok" | "error"; response: Record<string, unknown> };

/**
 * A small Phoenix Channels client (serializer v2) over a real WebSocket to
 * the Worker in workerd: joins, pushes with replies matched by ref, and a
 * log of every frame for waiting on pushes.
 *
 * @example const s = await PhxClient.connect(token); await s.join(`user:${id}`);
 */
export class PhxClient {
	readonly frames: Phx[] = [];
	closed: { code: number; reason: string } | null = null;
	private ref = 0;
	private waiters: { pred: (f: Phx) => boolean; resolve: (f: Phx) => void }[] = [];
	private closeWaiters: (() => void)[] = [];
	private readonly joinRefs = new Map<string, string>();

	private constructor(readonly ws: WebSocket) {
		ws.addEventListener("message", (ev) => {
			const f = JSON.parse(ev.data as string) as Phx;
			this.frames.push(f);
			for (const w of [...this.waiters])
				if (w.pred(f)) {
					this.waiters.splice(this.waiters.indexOf(w), 1);
					w.resolve(f);
				}
		});
		ws.addEventListener("close", (ev) => {
			this.closed = { code: ev.code, reason: ev.reason };
			for (const r of this.closeWaiters) r();
		});
	}

	/** Opens `/compat/phoenix/socket/websocket?token=…&vsn=2.0.0`; returns the HTTP response when it is refused. */
	static async connect(token: string): Promise<PhxClient> {
		const res = await PhxClient.upgrade(token);
		if (!res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
		res.webSocket.accept();
		return new PhxClient(res.webSocket);
	}

	static upgrade(token: string): Promise<Response> {
		return exports.default.fetch(
			new Request(`https://hatch.test/compat/phoenix/socket/websocket?token=${token}&vsn=2.0.0`, {
				headers: { Upgrade: "websocket" },
			}),
		);
	}

	/** Sends a frame and resolves with its phx_reply. */
	async push(
		topic: string,
		event: string,
		payload: Record<string, unknown> = {},
		joinRef?: string | null,
	): Promise<Reply> {
		const ref = String(++this.ref);
		const jr = joinRef === undefined ? (this.joinRefs.get(topic) ?? null) : joinRef;
		const reply = this.waitFor((f) => f[3] === "phx_reply" && f[1] === ref && f[2] === topic);
		this.ws.send(JSON.stringify([jr, ref, topic, event, payload]));
		return (await reply)[4] as Reply;
	}

	async join(topic: string, payload: Record<string, unknown> = {}): Promise<Reply> {
		const joinRef = String(this.ref + 1);
		const r = await this.push(topic, "phx_join", payload, joinRef);
		if (r.status === "ok") this.joinRefs.set(topic, joinRef);
		return r;
	}

	waitFor(pred: (f: Phx) => boolean, timeoutMs = 10_000): Promise<Phx> {
		const seen = this.frames.find(pred);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error("timed out waiting for a frame")), timeoutMs);
			this.waiters.push({
				pred,
				resolve: (f) => {
					clearTimeout(t);
					resolve(f);
				},
			});
		});
	}

	/** The next push of `event` on `topic`. */
	event(topic: string, event: string): Promise<Phx> {
		return this.waitFor((f) => f[2] === topic && f[3] === event);
	}

	waitClosed(timeoutMs = 10_000): Promise<void> {
		if (this.closed) return Promise.resolve();
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error("socket did not close")), timeoutMs);
			this.closeWaiters.push(() => {
				clearTimeout(t);
				resolve();
			});
		});
	}

	close() {
		this.ws.close(1000);
	}
}

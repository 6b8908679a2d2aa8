import { exports } from "cloudflare:workers";

/**
 * A bare JSON-text WebSocket client for the conformance tests: it knows only
 * what a seed document says (JSON text frames), nothing of Hatch's frames.
 * Opens the socket through the Worker's fetch, like every workerd test.
 *
 * @example const s = await JsonSocket.open("/compat/support/ws"); s.send({...});
 */
export class JsonSocket {
	readonly frames: unknown[] = [];
	closed: { code: number; reason: string } | null = null;
	private waiters: { pred: (f: unknown) => boolean; resolve: (f: unknown) => void }[] = [];
	private closeWaiters: (() => void)[] = [];

	private constructor(readonly ws: WebSocket) {
		ws.addEventListener("message", (ev) => {
			const f = JSON.parse(String(ev.data)) as unknown;
			this.frames.push(f);
			this.waiters = this.waiters.filter((w) => {
				if (!w.pred(f)) return true;
				w.resolve(f);
				return false;
			});
		});
		ws.addEventListener("close", (ev) => {
			this.closed = { code: ev.code, reason: ev.reason };
			for (const w of this.closeWaiters.splice(0)) w();
		});
	}

	/** The upgrade response, for tests of a refused upgrade. */
	static upgrade(path: string, headers: Record<string, string> = {}): Promise<Response> {
		return exports.default.fetch(
			new Request(`https://hatch.test${path}`, { headers: { Upgrade: "websocket", ...headers } }),
		);
	}

	static async open(path: string, headers: Record<string, string> = {}): Promise<JsonSocket> {
		const res = await JsonSocket.upgrade(path, headers);
		if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
		res.webSocket.accept();
		return new JsonSocket(res.webSocket);
	}

	send(frame: unknown) {
		this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
	}

	/** The first frame (seen or future) matching `pred`. */
	waitFor<T = unknown>(pred: (f: T) => boolean, timeoutMs = 10_000): Promise<T> {
		const seen = this.frames.find((f) => pred(f as T));
		if (seen !== undefined) return Promise.resolve(seen as T);
		return new Promise((resolve, reject) => {
			const t = setTimeout(
				() => reject(new Error(`timed out; have ${JSON.stringify(this.frames)}`)),
				timeoutMs,
			);
			this.waiters.push({
				pred: (f) => pred(f as T),
				resolve: (f) => {
					clearTimeout(t);
					resolve(f as T);
				},
			});
		});
	}

	/** Resolves once the server has closed the socket. */
	waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
		if (this.closed) return Promise.resolve(this.closed);
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error("socket not closed")), timeoutMs);
			this.closeWaiters.push(() => {
				clearTimeout(t);
				resolve(this.closed as { code: number; reason: string });
			});
		});
	}

	close() {
		try {
			this.ws.close(1000, "bye");
		} catch {
			// already closed
		}
	}
}

import { exports } from "cloudflare:workers";

/**
 * A WebSocket-like transport for the `phoenix` npm client inside workerd:
 * the test cannot dial its own Worker by URL, so the upgrade goes to the
 * Worker's fetch and the accepted socket is wrapped with the browser
 * WebSocket's surface (readyState, on* handlers, send, close) that
 * `phoenix`'s Socket drives.
 *
 * @example new Socket("wss://hatch.test/compat/phoenix/socket", { transport: SelfTransport, params: { token } })
 */
export class SelfTransport {
	readyState = 0;
	binaryType = "arraybuffer";
	onopen: (() => void) | null = null;
	onmessage: ((ev: { data: unknown }) => void) | null = null;
	onclose: ((ev: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
	onerror: ((ev: unknown) => void) | null = null;
	private ws: WebSocket | null = null;

	constructor(url: string) {
		const https = url.replace(/^ws/, "http");
		void exports.default
			.fetch(new Request(https, { headers: { Upgrade: "websocket" } }))
			.then((res) => {
				const ws = res.webSocket;
				if (!ws) throw new Error(`upgrade refused: ${res.status}`);
				ws.accept();
				this.ws = ws;
				ws.addEventListener("message", (ev) => this.onmessage?.({ data: ev.data }));
				ws.addEventListener("close", (ev) => {
					this.readyState = 3;
					this.onclose?.({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean });
				});
				this.readyState = 1;
				this.onopen?.();
			})
			.catch((err) => {
				this.readyState = 3;
				this.onerror?.(err);
				this.onclose?.({ code: 1006, reason: String(err), wasClean: false });
			});
	}

	send(data: string) {
		this.ws?.send(data);
	}

	close(code?: number, reason?: string) {
		this.readyState = 2;
		this.ws?.close(code ?? 1000, reason ?? "");
	}
}

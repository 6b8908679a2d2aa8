// The "store and broadcast" Durable Object bench/fanout compares Hatch with:
// the pattern of Cloudflare's workers-chat-demo, without its rate limiter.
// Each message is written to the object's SQLite storage under a key that
// orders it, then sent to every hibernating socket. No auth, no receipts,
// no membership: what a chat that stores its messages needs at the least.
//
//   GET  /ws          a hibernatable socket (answers `hello` first, as Hatch's do)
//   POST /send {text} stores the message, broadcasts one message.new frame, 201 {seq}
//   GET  /health      200
import { DurableObject } from "cloudflare:workers";

export class StoreRoom extends DurableObject {
	private seq: number | null = null;

	async fetch(req: Request): Promise<Response> {
		const url = new URL(req.url);
		if (url.pathname === "/ws") {
			const pair = new WebSocketPair();
			this.ctx.acceptWebSocket(pair[1]);
			pair[1].send(JSON.stringify({ type: "hello" }));
			const json = req.headers.get("Sec-WebSocket-Protocol")?.includes("json");
			return new Response(null, {
				status: 101,
				webSocket: pair[0],
				headers: json ? { "Sec-WebSocket-Protocol": "json" } : {},
			});
		}
		const { text } = (await req.json()) as { text: string };
		this.seq ??= Number((await this.ctx.storage.get<number>("seq")) ?? 0);
		const seq = ++this.seq;
		const message = { id: crypto.randomUUID(), seq, sender_id: "bench", text, created_at: Date.now() };
		// The demo's storage write: one key per message (the timestamp-ordered key there, seq here).
		this.ctx.storage.put({ seq, [`msg:${String(seq).padStart(12, "0")}`]: message });
		const frame = JSON.stringify({ type: "message.new", chat_id: "store", seq, message });
		for (const ws of this.ctx.getWebSockets()) {
			try {
				ws.send(frame);
			} catch {
				// Closing: the demo drops such a session too.
			}
		}
		return Response.json({ seq }, { status: 201 });
	}

	async webSocketMessage() {}

	async webSocketClose(ws: WebSocket, code: number) {
		try {
			ws.close(code, "bye");
		} catch {}
	}
}

export default {
	fetch(req: Request, env: { ROOM: DurableObjectNamespace<StoreRoom> }) {
		if (new URL(req.url).pathname === "/health") return new Response("ok");
		return env.ROOM.get(env.ROOM.idFromName("chat")).fetch(req);
	},
};

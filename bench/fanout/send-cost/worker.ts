// See wrangler.toml. GET /ws opens a hibernatable socket; GET /send?n=&batch=
// writes n frames to every socket, yielding to the event loop after every
// `batch` frames (batch=1: each message in its own turn, as a quiet ChatRoom
// does; larger: as the ChatRoom's outbox does under load).
//
// bench/fanout/run.ts also uses it as the floor of the latency run: POST
// /send {text} writes one message.new frame (the shape Hatch sends) to every
// socket and nothing else: no auth, no storage, no receipts. Each socket
// gets a hello first, as Hatch's do.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
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
		if (req.method === "POST") {
			const { text } = (await req.json()) as { text: string };
			const seq = Number((await this.ctx.storage.get<number>("seq")) ?? 0) + 1;
			// In memory would do, but a real room stores its seq: keep the one write.
			this.ctx.storage.put("seq", seq);
			const frame = JSON.stringify({ type: "message.new", chat_id: "floor", seq, message: { seq, text } });
			for (const ws of this.ctx.getWebSockets()) ws.send(frame);
			return Response.json({ seq }, { status: 201 });
		}
		const n = Math.min(Number(url.searchParams.get("n") ?? 1), 10_000);
		const batch = Math.max(1, Number(url.searchParams.get("batch") ?? 1));
		const sockets = this.ctx.getWebSockets();
		for (let i = 0; i < n; i++) {
			const frame = JSON.stringify({ type: "message.new", seq: i, text: "x".repeat(300) });
			for (const ws of sockets) ws.send(frame);
			if ((i + 1) % batch === 0) await new Promise((r) => setTimeout(r, 0));
		}
		return new Response(String(sockets.length));
	}
}

export default {
	fetch(req: Request, env: { ROOM: DurableObjectNamespace<Room> }) {
		return env.ROOM.get(env.ROOM.idFromName("bench")).fetch(req);
	},
};

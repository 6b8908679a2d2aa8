// A bare Durable Object that does only what Hatch's ChatRoom does when a
// member leaves: it holds a socket (hibernated or accepted) and, on a second
// request, closes it with 4403. Used by bench/ws-linger/run.ts to tell which
// layer keeps the TCP connection open after the close frame.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
	accepted = [];
	/** When the client's close reached this object (webSocketClose), for /events. */
	events = [];

	async fetch(req) {
		const url = new URL(req.url);
		if (url.pathname === "/ws") {
			const [client, server] = Object.values(new WebSocketPair());
			if (url.searchParams.get("mode") === "accept") {
				server.accept();
				server.addEventListener("message", (e) => server.send(`echo:${e.data}`));
				this.accepted.push(server);
			} else this.ctx.acceptWebSocket(server);
			// Variants: the server speaks first (as Hatch's `hello` does); an auto-response pair is set.
			if (url.searchParams.get("hello")) server.send("hello");
			if (url.searchParams.get("auto"))
				this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
			return new Response(null, { status: 101, webSocket: client });
		}
		if (url.pathname === "/kick") {
			const all = [...this.ctx.getWebSockets(), ...this.accepted];
			this.accepted = [];
			for (const ws of all) ws.close(4403, "No longer a member");
			return new Response(String(all.length));
		}
		if (url.pathname === "/events") return Response.json({ now: Date.now(), events: this.events.splice(0) });
		return new Response("not found", { status: 404 });
	}

	webSocketMessage(ws, message) {
		ws.send(`echo:${message}`);
	}

	webSocketClose(_ws, code) {
		this.events.push({ closeEvent: code, at: Date.now() });
	}
}

export default {
	fetch(req, env) {
		return env.ROOM.get(env.ROOM.idFromName("room")).fetch(req);
	},
};

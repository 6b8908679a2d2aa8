/**
 * The control plane's listener: the Hono app (routes.ts) on a Node HTTP
 * server through @hono/node-server, and the /events WebSocket (ws) on its
 * upgrades. A refused upgrade gets the same error body and status as any
 * HTTP error, rendered by errors.ts.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import type { CallEvent } from "../call/types.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { EventsSocket } from "./events-socket.ts";
import { type ControlDeps, controlRoutes } from "./routes.ts";

export type { ControlDeps } from "./routes.ts";

/** HTTP + WebSocket control plane. */
export class ControlServer {
	readonly server: http.Server;
	private readonly events: EventsSocket;
	private readonly deps: ControlDeps;

	constructor(deps: ControlDeps) {
		this.deps = deps;
		const app = controlRoutes(deps);
		this.server = http.createServer(
			getRequestListener(app.fetch, {
				errorHandler: (err) => errorResponse(err, deps.log),
				// Leave the process's Request/Response alone: audio fetches and callbacks use them too.
				overrideGlobalObjects: false,
			}),
		);
		this.events = new EventsSocket(deps.tokens, deps.log);
		this.server.on("upgrade", (req, socket, head) => {
			void this.upgrade(req, socket, head);
		});
	}

	/** Listen on host:port; resolves with the bound port. */
	listen(port: number, host: string): Promise<number> {
		return new Promise((resolve, reject) => {
			this.server.once("error", reject);
			this.server.listen(port, host, () => {
				const a = this.server.address();
				resolve(typeof a === "object" && a ? a.port : port);
			});
		});
	}

	/** Send an event to every /events client (and keep it for those that resume). */
	broadcast(event: CallEvent): void {
		this.events.broadcast(event);
	}

	/** Close sockets and stop listening. */
	async close(): Promise<void> {
		this.events.close();
		this.server.closeAllConnections();
		await new Promise<void>((r) => this.server.close(() => r()));
	}

	private async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
		try {
			const url = new URL(req.url ?? "/", "http://x");
			if (url.pathname !== "/events") throw new ApiError("NOT_FOUND", "only /events takes a WebSocket");
			await this.events.upgrade(req, socket, head, url);
		} catch (err) {
			if (!(err instanceof ApiError)) {
				this.deps.log.error("ControlServer.upgrade failed", { err: (err as Error).message });
				socket.destroy();
				return;
			}
			const res = errorResponse(err, this.deps.log);
			const json = await res.text();
			socket.end(
				`HTTP/1.1 ${res.status} ${http.STATUS_CODES[res.status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
			);
		}
	}
}

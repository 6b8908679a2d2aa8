/**
 * The control API: HTTP routes for calls and health, and the /events
 * WebSocket. Every route but /health requires a Worker-signed JWT; every error
 * is `{error: {code, message, requestId}}` with the status from one switch.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { Duplex } from "node:stream";
import { CallError, type CallManager } from "../call/manager.ts";
import type { CallEvent } from "../call/types.ts";
import type { Logger } from "../log.ts";
import type { TokenService } from "./auth.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { EventsSocket } from "./events-socket.ts";
import { validateCall } from "./validate.ts";

const MAX_BODY = 96 * 1024 * 1024;

/** The control server's dependencies. */
export interface ControlDeps {
	manager: CallManager;
	tokens: TokenService;
	log: Logger;
	/** True once SIGTERM started draining: new calls are refused. */
	draining(): boolean;
	/** How the media thread sends RTP, once it has started (for /health). */
	rtpSend?(): "native" | "dgram" | undefined;
}

/** HTTP + WebSocket control plane. */
export class ControlServer {
	readonly server: http.Server;
	private readonly events: EventsSocket;
	private readonly deps: ControlDeps;

	constructor(deps: ControlDeps) {
		this.deps = deps;
		this.server = http.createServer((req, res) => {
			this.handle(req, res).catch((err) => this.fail(res, err));
		});
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
			if (url.pathname !== "/events") throw new ApiError("NOT_FOUND", "no such route");
			await this.events.upgrade(req, socket, head, url);
		} catch (err) {
			if (err instanceof ApiError) {
				// The same body and status as any HTTP error, on the raw socket of the refused upgrade.
				const { status, body } = errorResponse(err.code, err.message, randomUUID());
				const json = JSON.stringify(body);
				socket.end(
					`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
				);
				return;
			}
			this.deps.log.error("ControlServer.upgrade failed", { err: (err as Error).message });
			socket.destroy();
		}
	}

	private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
		const url = new URL(req.url ?? "/", "http://x");
		const path = url.pathname;
		const { manager } = this.deps;
		if (path === "/health") {
			if (req.method !== "GET") throw new ApiError("METHOD_NOT_ALLOWED", "use GET");
			const rtp_send = this.deps.rtpSend?.();
			return send(res, 200, { ok: true, active_calls: manager.active, capacity: manager.capacity, rtp_send });
		}
		if (!(await this.deps.tokens.verify(req.headers.authorization)))
			throw new ApiError("UNAUTHORIZED", "missing or invalid bearer token");
		if (path === "/calls") {
			if (req.method !== "POST") throw new ApiError("METHOD_NOT_ALLOWED", "use POST");
			const ct = req.headers["content-type"] ?? "";
			if (!/^application\/json\b/i.test(ct))
				throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "content-type must be application/json");
			const body = await readJson(req);
			const input = validateCall(body);
			if (this.deps.draining()) throw new ApiError("SHUTTING_DOWN", "dialer is shutting down");
			const call = await manager.place(input);
			return send(res, 201, { call_id: call.id, state: call.state });
		}
		const m = /^\/calls\/([^/]{1,128})$/.exec(path);
		if (m) {
			const id = decodeId(m[1]);
			if (req.method === "GET") {
				const call = manager.get(id);
				if (!call) throw new ApiError("CALL_NOT_FOUND", `no call ${id}`);
				return send(res, 200, call.view());
			}
			if (req.method === "DELETE") {
				if (!manager.hangup(id)) throw new ApiError("CALL_NOT_FOUND", `no call ${id}`);
				const call = manager.get(id);
				return send(res, 202, { call_id: id, state: call?.state });
			}
			throw new ApiError("METHOD_NOT_ALLOWED", "use GET or DELETE");
		}
		throw new ApiError("NOT_FOUND", "no such route");
	}

	private fail(res: http.ServerResponse, err: unknown): void {
		const requestId = randomUUID();
		if (err instanceof ApiError || err instanceof CallError) {
			const { status, body } = errorResponse(err.code, err.message, requestId);
			send(res, status, body);
			return;
		}
		this.deps.log.error("ControlServer.handle failed", { requestId, err: (err as Error)?.stack });
		send(res, 500, { error: { code: "INTERNAL", message: "internal error", requestId } });
	}
}

/** A call id from the path; a malformed %-escape is a bad id, not a server error. */
function decodeId(raw: string): string {
	try {
		return decodeURIComponent(raw);
	} catch {
		throw new ApiError("INVALID_CALL_ID", "call id is not a valid percent-encoded string");
	}
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
	if (res.headersSent) return;
	const data = JSON.stringify(body);
	res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
	res.end(data);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
	const declared = Number(req.headers["content-length"] ?? "0");
	if (declared > MAX_BODY) throw new ApiError("BODY_TOO_LARGE", "body too large");
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_BODY) throw new ApiError("BODY_TOO_LARGE", "body too large");
		chunks.push(chunk as Buffer);
	}
	try {
		return JSON.parse(Buffer.concat(chunks).toString("utf8"));
	} catch {
		throw new ApiError("INVALID_JSON", "body is not valid JSON");
	}
}

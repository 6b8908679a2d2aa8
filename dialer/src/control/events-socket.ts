/**
 * GET /events: every event of every call on a WebSocket, delivered at least
 * once. Each frame is the event plus its `event_id`; a client that reconnects
 * with `?stream=<x-events-stream>&after=<last event_id it saw>` first gets the
 * events it missed (from the EventLog), then the live ones, none twice. The
 * upgrade response says which stream this is (`x-events-stream`) and whether
 * the replay is whole (`x-events-replay: complete`), lost some (`partial`: too
 * old, or the dialer restarted) or was not asked for (`none`).
 */
import type http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { CallEvent } from "../call/types.ts";
import type { Logger } from "../log.ts";
import type { TokenService } from "./auth.ts";
import { ApiError } from "./errors.ts";
import { EventLog, type LoggedEvent, type Replay } from "./event-log.ts";

/** Per client: the highest event_id it has been sent (replay included). */
const sentUpTo = new WeakMap<WebSocket, number>();
/** The replay decided while the handshake's headers were written, for the connection callback. */
const replays = new WeakMap<http.IncomingMessage, Replay | undefined>();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The /events endpoint and its log. */
export class EventsSocket {
	readonly log: EventLog;
	private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
	private readonly tokens: TokenService;
	private readonly logger: Logger;
	private outbox: LoggedEvent[] = [];

	constructor(tokens: TokenService, logger: Logger, log = new EventLog()) {
		this.tokens = tokens;
		this.logger = logger;
		this.log = log;
		this.wss.on("headers", (headers, req) => {
			const replay = replays.get(req);
			headers.push(
				`x-events-stream: ${this.log.stream}`,
				`x-events-replay: ${replay ? replay.state : "none"}`,
			);
		});
	}

	/**
	 * Log an event and send it to every client. Events wait for the end of the
	 * event-loop pass and then go out corked: each is still its own message, in
	 * order, but a pass's events (a setup burst's hundreds) cost one socket
	 * write per client instead of one each.
	 */
	broadcast(event: CallEvent): void {
		const entry = this.log.append(event);
		if (this.wss.clients.size === 0) return;
		this.outbox.push(entry);
		if (this.outbox.length === 1) setImmediate(() => this.flush());
	}

	/** Handle an upgrade request for /events (authenticated here). @throws ApiError to refuse it */
	async upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
		const query = resumeQuery(url.searchParams);
		if (typeof query === "string") throw new ApiError("INVALID_EVENTS_QUERY", query);
		if (!(await this.tokens.verify(req.headers.authorization)))
			throw new ApiError("UNAUTHORIZED", "missing or invalid bearer token");
		// Decided now and read back by the headers and connection handlers, which run
		// synchronously in handleUpgrade: no event can fall between replay and live.
		replays.set(req, query && this.log.since(query.after, query.stream));
		this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, replays.get(req)));
	}

	private connected(ws: WebSocket, replay: Replay | undefined): void {
		ws.on("error", (err) => this.logger.warn("EventsSocket client error", { err: err.message }));
		// Clients only listen; anything they send is ignored.
		ws.on("message", () => {});
		sentUpTo.set(ws, this.log.lastId);
		if (!replay?.events.length) return;
		corked(ws, () => {
			for (const e of replay.events) ws.send(e.frame);
		});
	}

	private flush(): void {
		const entries = this.outbox;
		this.outbox = [];
		for (const ws of this.wss.clients) {
			if (ws.readyState !== WebSocket.OPEN) continue;
			// A client that joined after these were queued got them in its replay.
			const seen = sentUpTo.get(ws) ?? 0;
			corked(ws, () => {
				for (const e of entries) if (e.id > seen) ws.send(e.frame);
			});
			sentUpTo.set(ws, Math.max(seen, entries[entries.length - 1].id));
		}
	}

	/** Close every client. */
	close(): void {
		for (const ws of this.wss.clients) ws.close(1001, "shutting down");
		this.wss.close();
	}
}

/** `stream` + `after`, both or neither; a string says what is wrong. */
function resumeQuery(q: URLSearchParams): { stream: string; after: number } | undefined | string {
	const stream = q.get("stream");
	const after = q.get("after");
	if (stream === null && after === null) return undefined;
	if (stream === null || after === null) return "stream and after go together";
	if (!UUID.test(stream)) return "stream must be the x-events-stream value of an earlier connection";
	if (!/^\d{1,15}$/.test(after)) return "after must be an event_id (a non-negative integer)";
	return { stream, after: Number(after) };
}

function corked(ws: WebSocket, write: () => void): void {
	const socket = (ws as WebSocket & { _socket?: Socket })._socket;
	socket?.cork();
	write();
	socket?.uncork();
}

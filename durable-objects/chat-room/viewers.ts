import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { encodeFrame, type Transport } from "@hatch/contract/codec";
import type { ChatEvent, EventsFrame, Message, ServerFrame } from "@hatch/contract/frames";

/**
 * What survives hibernation for a chat-viewing socket: identity plus the last
 * message seq written to it. `lastSeq` is only written at accept and
 * subscribe (not per message: that would cost a serialisation per socket per
 * message); `behind` says the socket is waiting for the client to ask for the
 * rest of a replay, so `lastSeq` is exact then.
 */
export type ViewerAttachment = {
	userId: string;
	/** The auth session (device) the socket was opened from. */
	sessionId?: string;
	socketId: string;
	transport: Transport;
	lastSeq: number;
	behind?: boolean;
	/** The client asked for `events` frames (several events in one frame under load). */
	batch?: boolean;
};

/** A viewing socket as the room tracks it (the attachment, kept current in memory). */
export type Viewer = ViewerAttachment;

/**
 * The sockets of clients that have this chat open (GET /v1/chats/{id}/ws),
 * with per-socket delivery state in memory. Rebuilt from the attachments
 * when the room wakes: every message stored before that was written to each
 * socket that was not `behind` (fan-out is synchronous with the insert), so
 * such a socket resumes at the room's last seq.
 *
 * Exactly once and in seq order per socket: a `message.new` goes out only
 * when it is the socket's `lastSeq + 1`; a socket that is behind fills the gap
 * by `chat.subscribe` (replay from storage) first.
 *
 * @example const n = viewers.broadcast(event); // sockets written
 */
export class Viewers {
	private readonly map = new Map<WebSocket, Viewer>();
	/** Open viewing sockets per user, kept with `map` (asking every socket its readyState per event cost a sixth of the room's CPU). */
	private readonly perUser = new Map<string, number>();
	/**
	 * Between `beginBatch` and `endBatch`: the events broadcast so far, and
	 * for each socket that asked for batches, which of them it gets. Each
	 * frame costs workerd ~16-35 µs of CPU whatever its size
	 * (bench/fanout/send-cost.ts), so one frame per socket per flush is the
	 * cheapest way to move many events.
	 */
	private batching: { events: ChatEvent[]; per: Map<WebSocket, { v: Viewer; picks: number[] }> } | null =
		null;

	constructor(
		all: () => WebSocket[],
		private readonly roomSeq: () => number,
	) {
		for (const ws of all()) this.rebuild(ws);
	}

	private rebuild(ws: WebSocket): Viewer | null {
		// A socket the room closed (a member who left) stays listed until the close completes: it is a viewer no more.
		if (ws.readyState !== WebSocket.OPEN) return null;
		const a = ws.deserializeAttachment() as ViewerAttachment | null;
		if (!a?.socketId) return null;
		const v: Viewer = { ...a, lastSeq: a.behind ? a.lastSeq : Math.max(a.lastSeq, this.roomSeq()) };
		this.track(ws, v);
		return v;
	}

	/** Registers a freshly accepted socket (live from `lastSeq`). */
	add(ws: WebSocket, a: ViewerAttachment): Viewer {
		ws.serializeAttachment(a);
		const v: Viewer = { ...a };
		this.track(ws, v);
		return v;
	}

	private track(ws: WebSocket, v: Viewer) {
		if (!this.map.has(ws)) this.perUser.set(v.userId, (this.perUser.get(v.userId) ?? 0) + 1);
		this.map.set(ws, v);
	}

	get(ws: WebSocket): Viewer | null {
		return this.map.get(ws) ?? this.rebuild(ws);
	}

	/** Forgets a socket; returns its viewer (null if it was not one). */
	remove(ws: WebSocket): Viewer | null {
		const v = this.map.get(ws) ?? null;
		if (!v) return null;
		this.map.delete(ws);
		const n = (this.perUser.get(v.userId) ?? 1) - 1;
		if (n > 0) this.perUser.set(v.userId, n);
		else this.perUser.delete(v.userId);
		return v;
	}

	/** Number of viewing sockets. */
	get size(): number {
		return this.map.size;
	}

	/** Persists the socket's position (after a replay), so a wake-up resumes from it. */
	save(ws: WebSocket, v: Viewer) {
		ws.serializeAttachment({
			userId: v.userId,
			sessionId: v.sessionId,
			socketId: v.socketId,
			transport: v.transport,
			lastSeq: v.lastSeq,
			behind: v.behind || undefined,
			batch: v.batch || undefined,
		} satisfies ViewerAttachment);
	}

	/** Users with at least one viewing socket (closed ones leave in their close handler). */
	viewingUsers(): string[] {
		return [...this.perUser.keys()];
	}

	/** Closes every socket of a user who is no longer an active member; returns those viewers. */
	closeUser(userId: string, reason: string): Viewer[] {
		return this.closeWhere((v) => v.userId === userId, CLOSE_CODES.NOT_A_MEMBER, reason);
	}

	/** Closes the user's sockets opened from revoked auth sessions (4401); returns those viewers. */
	closeSessions(userId: string, sessionIds: ReadonlySet<string>): Viewer[] {
		return this.closeWhere(
			(v) => v.userId === userId && v.sessionId !== undefined && sessionIds.has(v.sessionId),
			CLOSE_CODES.SESSION_REVOKED,
			"Session revoked",
		);
	}

	private closeWhere(match: (v: Viewer) => boolean, code: number, reason: string): Viewer[] {
		const closed: Viewer[] = [];
		for (const [ws, v] of this.map) {
			if (!match(v)) continue;
			this.remove(ws);
			closed.push(v);
			try {
				ws.close(code, reason);
			} catch {
				// Already closed.
			}
		}
		return closed;
	}

	/**
	 * Writes `event` to every viewing socket of `only` (or all), encoding it
	 * once per transport. Returns the users it reached: they need no hub
	 * delivery, and their delivered receipts move.
	 */
	broadcast(event: ChatEvent, only?: ReadonlySet<string>): Set<string> {
		const reached = new Set<string>();
		const wire: Partial<Record<Transport, string | ArrayBuffer>> = {};
		const isNew = event.type === "message.new";
		const batching = this.batching;
		const pick = batching ? batching.events.push(event) - 1 : -1;
		for (const [ws, v] of this.map) {
			if (only && !only.has(v.userId)) continue;
			if (isNew) {
				if (v.behind || event.seq !== v.lastSeq + 1) continue;
				v.lastSeq = event.seq;
			}
			if (batching && v.batch) {
				const held = batching.per.get(ws);
				if (held) held.picks.push(pick);
				else batching.per.set(ws, { v, picks: [pick] });
				reached.add(v.userId);
				continue;
			}
			wire[v.transport] ??= encodeFrame(event, v.transport);
			try {
				ws.send(wire[v.transport] as string | ArrayBuffer);
				reached.add(v.userId);
			} catch {
				// Closing: its close handler removes it.
			}
		}
		return reached;
	}

	/** From here to `endBatch`, sockets that asked for batches collect their events instead of one frame each. */
	beginBatch() {
		this.batching = { events: [], per: new Map() };
	}

	/**
	 * Writes what each batching socket collected since `beginBatch`: one
	 * event alone as itself, several as one `events` frame. Sockets with the
	 * same events share one encoding.
	 */
	endBatch(chatId: string) {
		const batching = this.batching;
		this.batching = null;
		if (!batching) return;
		const wire = new Map<string, string | ArrayBuffer>();
		for (const [ws, { v, picks }] of batching.per) {
			const key = `${v.transport}:${picks.join(",")}`;
			let frame = wire.get(key);
			if (frame === undefined) {
				const events = picks.map((i) => batching.events[i] as ChatEvent);
				const body: ChatEvent | EventsFrame =
					events.length === 1 ? (events[0] as ChatEvent) : { type: "events", chat_id: chatId, events };
				frame = encodeFrame(body, v.transport);
				wire.set(key, frame);
			}
			try {
				ws.send(frame);
			} catch {
				// Closing: its close handler removes it, and the client resumes by seq.
			}
		}
	}

	/** Sends one frame to one socket; false when the socket is closing. */
	send(ws: WebSocket, frame: ServerFrame, transport: Transport): boolean {
		try {
			ws.send(encodeFrame(frame, transport));
			return true;
		} catch {
			return false;
		}
	}

	/**
	 * Replays `messages` (oldest first, all after the socket's position) and
	 * `updated` to one socket, synchronously, so no live event interleaves.
	 */
	replay(ws: WebSocket, v: Viewer, chatId: string, messages: Message[], updated: Message[], more: boolean) {
		for (const m of updated)
			this.send(ws, { type: "message.updated", chat_id: chatId, seq: m.seq, message: m }, v.transport);
		for (const m of messages) {
			if (m.seq <= v.lastSeq) continue;
			this.send(ws, { type: "message.new", chat_id: chatId, seq: m.seq, message: m }, v.transport);
			v.lastSeq = m.seq;
		}
		v.behind = more;
		this.save(ws, v);
	}
}

import { mintTicketFor } from "../domain/auth/ws-ticket-deps";
import { hubOf } from "../domain/chats/deps";
import type { Db } from "../domain/users/db";
import type { AuthContext } from "../env";
import { ApiError } from "../errors";
import type { Logger } from "../lib/log";

/** What a native reply carries back to the request that asked. */
export type NativeReply = { result?: unknown; error?: { code: number; reason: string } };

export type NativeFrame = { type: string; [k: string]: unknown };

/**
 * A seed socket's link to a native hub socket of the same session: requests
 * go to the hub as native frames with ids of their own, and each reply is
 * handed to the continuation that asked. Holds no rules, only the correlation.
 */
export class HubLink {
	private next = 0;
	private readonly pending = new Map<string, (r: NativeReply) => Promise<void> | void>();
	/** Chats whose full events this socket's hub socket gets (subscribed). */
	readonly subscribed = new Set<string>();

	constructor(
		readonly env: Env,
		readonly db: Db,
		readonly auth: AuthContext,
		private readonly toHub: (f: Record<string, unknown>) => void,
		readonly close: () => void,
		/** How the seed tells its client a native request failed (HTTP-like code). */
		private readonly failed: (code: number, reason: string) => void,
	) {}

	/**
	 * Sends a native request; `then` gets its result. An error becomes
	 * s2c_error with the native code unless `onError` handles it (or `quiet`
	 * says the seed answers nothing).
	 */
	ask(
		frame: { type: string; [k: string]: unknown },
		then: (result: unknown) => Promise<void> | void,
		opts: { quiet?: boolean; onError?: (code: number) => void } = {},
	): void {
		const id = `egg-${++this.next}`;
		this.pending.set(id, (r) => {
			if (!r.error) return then(r.result);
			if (opts.onError) return opts.onError(r.error.code);
			if (!opts.quiet) this.failed(r.error.code, r.error.reason);
		});
		this.toHub({ ...frame, id });
	}

	/** Subscribes the hub socket to a chat's live events (after `afterSeq`, replaying the gap); resolves when it did. */
	subscribe(chatId: string, afterSeq?: number): Promise<void> {
		if (this.subscribed.has(chatId)) return Promise.resolve();
		this.subscribed.add(chatId);
		return new Promise((resolve) =>
			this.ask({ type: "chat.subscribe", chat_id: chatId, after_seq: afterSeq }, () => resolve(), {
				onError: () => {
					this.subscribed.delete(chatId);
					resolve();
				},
			}),
		);
	}

	/** A `result` or `error` frame from the hub: true when it answered one of ours. */
	async settle(frame: { type: string; id?: unknown; result?: unknown; code?: unknown; reason?: unknown }) {
		if (typeof frame.id !== "string") return false;
		const waiting = this.pending.get(frame.id);
		if (!waiting) return false;
		this.pending.delete(frame.id);
		await waiting(
			frame.type === "error"
				? { error: { code: Number(frame.code), reason: String(frame.reason) } }
				: { result: frame.result },
		);
		return true;
	}
}

/** What a seed adapter does with each side's frames. */
export type SeedSide = {
	/** One frame from the seed client, as received. */
	onClient(data: string | ArrayBuffer | Blob): Promise<void>;
	/** One native event (results and errors of `ask` are settled before this). */
	onEvent(frame: NativeFrame): Promise<void>;
	/** Which chats of the user the socket follows from the start. */
	follows(chat: { id: string; kind: string; status: string }): boolean;
	/** An unexpected failure translating a client frame. */
	onFailure(): void;
};

/**
 * Opens a native hub socket (json) for the session behind a seed socket
 * `client`, follows the user's chats, and translates each side's frames in
 * order; the client's frames wait until the chats are followed. Closing
 * either side closes both.
 *
 * @example const link = await linkToHub(env, db, auth, server, log, (link) => ({ onClient, onEvent, follows, onFailure }));
 */
export async function linkToHub<L extends HubLink>(
	env: Env,
	auth: AuthContext,
	client: WebSocket,
	log: Logger,
	make: (toHub: (f: Record<string, unknown>) => void, close: () => void) => L,
	side: (link: L) => SeedSide,
): Promise<L> {
	const hub = hubOf(env, auth.userId);
	const { ticket } = await mintTicketFor(env, auth);
	const res = await hub.fetch(
		new Request(`https://hub/v1/ws?ticket=${encodeURIComponent(ticket)}`, {
			headers: { Upgrade: "websocket", "X-Hatch-Transport": "json" },
		}),
	);
	const inner = res.webSocket;
	if (!inner) throw new ApiError("INTERNAL", "The hub refused the socket");
	inner.accept();
	const closeBoth = () => {
		for (const s of [client, inner]) {
			try {
				s.close(1000, "bye");
			} catch {
				// already closed
			}
		}
	};
	const link = make((f) => inner.send(JSON.stringify(f)), closeBoth);
	const handlers = side(link);
	// One chain per direction keeps frames in order while translations await lookups.
	let following: () => void = () => {};
	let fromClient = new Promise<void>((resolve) => {
		following = resolve;
	});
	let fromHub = Promise.resolve();
	client.addEventListener("message", (ev) => {
		fromClient = fromClient
			.then(() => handlers.onClient(ev.data as string | ArrayBuffer | Blob))
			.catch((err) => {
				log.error("seed socket frame failed", { err: String(err) });
				handlers.onFailure();
			});
	});
	inner.addEventListener("message", (ev) => {
		fromHub = fromHub
			.then(async () => {
				const frame = JSON.parse(String(ev.data)) as NativeFrame;
				if ((frame.type === "result" || frame.type === "error") && (await link.settle(frame))) return;
				if (frame.type === "hello") return follow(link, handlers, following);
				await handlers.onEvent(frame);
			})
			.catch((err) => log.error("seed socket event failed", { err: String(err) }));
	});
	client.addEventListener("close", closeBoth);
	inner.addEventListener("close", closeBoth);
	return link;
}

/** Follows the user's chats the seed wants, then calls `done`. */
function follow(link: HubLink, side: SeedSide, done: () => void) {
	link.ask(
		{ type: "chat.list" },
		(r) => {
			const chats = (r as { chats: { id: string; kind: string; status: string }[] }).chats;
			// Not awaited: the replies come through the same hub chain that runs this.
			void Promise.all(chats.filter((c) => side.follows(c)).map((c) => link.subscribe(c.id))).then(done);
		},
		{ onError: done },
	);
}

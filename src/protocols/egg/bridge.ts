import type { Db } from "../../domain/users/db";
import type { AuthContext } from "../../env";
import type { People } from "./people";
import { type EggS2C, eggError } from "./ws-frames";

/** What a native reply carries back to the request that asked. */
export type NativeReply = { result?: unknown; error?: { code: number; reason: string } };

/**
 * One Egg chat socket's link to its native hub socket: requests go to the
 * hub as native frames with ids of their own, and each reply is handed to
 * the continuation that asked. Holds no rules, only the correlation.
 */
export class EggBridge {
	private next = 0;
	private readonly pending = new Map<string, (r: NativeReply) => Promise<void> | void>();
	/** Chats whose full events this socket's hub socket gets (subscribed). */
	readonly subscribed = new Set<string>();

	constructor(
		readonly env: Env,
		readonly db: Db,
		readonly auth: AuthContext,
		readonly people: People,
		readonly toClient: (f: EggS2C) => void,
		private readonly toHub: (f: Record<string, unknown>) => void,
		readonly close: () => void,
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
			if (!opts.quiet) this.toClient(eggError(r.error.code));
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

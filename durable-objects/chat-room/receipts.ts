import type { ChatEvent, Receipt } from "@hatch/contract/frames";
import type { RoomContext } from "./context";
import type { DeliverResult } from "./fanout";
import type { RoomStore } from "./store";
import { raiseLastRead } from "./summary";

/** How long receipt changes gather before one `receipt` event goes out. */
const RECEIPT_FLUSH_MS = 100;
/**
 * A flush that moves more than this many members' marks is a big one: in a
 * big chat every message moves every viewer's delivered mark, and flushing
 * them every 100 ms meant, at 10 msgs/s, one upsert of 1,000 rows and one
 * `receipt` event of 1,000 receipts (an RPC of ~60 KB to the sender's hub)
 * per message, landing just as the next message did (bench/fanout/README.md).
 */
const BIG_FLUSH = 64;
/** Big flushes happen at most this often; small ones still go out within RECEIPT_FLUSH_MS. */
const BIG_FLUSH_MS = 1000;

/**
 * Delivered and read receipts as they move: raises delivered marks when a
 * viewing socket or a member's hub got a message, and batches every change
 * (100 ms; a big chat's, at most once a second) into one `receipt` event for the senders of the affected messages
 * only. Delivered marks are kept in memory and persisted with that flush.
 *
 * @example
 * receipts.deliveredLive(userId, event.seq); // a viewing socket was written
 * receipts.markDirty(userId, before.read_seq); // a read marker moved
 */
export class ReceiptTracker {
	private readonly dirty = new Map<string, number>();
	private timer: ReturnType<typeof setTimeout> | null = null;
	/** When the last flush of more than BIG_FLUSH members went out. */
	private lastBigFlush = 0;

	constructor(
		private readonly store: RoomStore,
		private readonly chatId: () => string,
		private readonly isActive: (userId: string) => boolean,
		private readonly emit: (userIds: string[], event: ChatEvent) => void,
	) {}

	/** A viewer's socket was written `seq`: raise its delivered mark (memory first, persisted in the 100 ms flush). */
	deliveredLive(userId: string, seq: number) {
		// The store keeps every watermark in memory, read markers included, so this reads no SQL.
		const known = this.store.deliveredSeq(userId);
		if (seq <= known) return;
		this.store.raiseDeliveredLater(userId, seq);
		this.markDirty(userId, known);
	}

	/** The user's hub answered a delivery of `events`: if a socket got them, their messages are delivered. */
	delivered(userId: string, events: ChatEvent[], r: DeliverResult) {
		if (r.sockets === 0) return;
		let max = 0;
		for (const e of events)
			if (e.type === "message.new" && e.message.sender_id !== userId) max = Math.max(max, e.seq);
		const known = this.store.deliveredSeq(userId);
		if (max > known) {
			this.store.raiseDeliveredLater(userId, max);
			this.markDirty(userId, known);
		}
	}

	/** Receipt changes are batched (100 ms) and sent to the senders of the affected messages only. */
	markDirty(userId: string, fromSeq: number) {
		this.dirty.set(userId, Math.min(fromSeq, this.dirty.get(userId) ?? fromSeq));
		this.timer ??= setTimeout(() => this.flush(), RECEIPT_FLUSH_MS);
	}

	private flush() {
		this.timer = null;
		const now = Date.now();
		if (this.dirty.size > BIG_FLUSH) {
			const wait = this.lastBigFlush + BIG_FLUSH_MS - now;
			if (wait > 0) {
				this.timer = setTimeout(() => this.flush(), wait);
				return;
			}
			this.lastBigFlush = now;
		}
		this.store.persistDelivered();
		const chatId = this.chatId();
		if (!chatId || !this.dirty.size) return;
		const from = Math.min(...this.dirty.values());
		const receipts = [...this.dirty.keys()].map((u) => this.store.receipt(u));
		this.dirty.clear();
		const senders = this.store.sendersAfter(from).filter((s) => this.isActive(s));
		this.emit(senders, { type: "receipt", chat_id: chatId, seq: this.store.lastSeq(), receipts });
	}
}

/**
 * Read marker: everything up to `seq` is read by `userId` (and so delivered).
 *
 * @example const receipt = await markRead(room, chatId, userId, 42);
 */
export async function markRead(
	room: RoomContext,
	chatId: string,
	userId: string,
	seq: number,
): Promise<Receipt> {
	await room.member(chatId, userId);
	const upTo = Math.min(seq, room.store.lastSeq());
	const before = room.store.receipt(userId);
	if (upTo > before.read_seq) {
		room.store.raiseReceipt(userId, upTo, upTo);
		room.receipts.markDirty(userId, before.read_seq);
		await raiseLastRead(room.db, chatId, userId, upTo).run();
	}
	return room.store.receipt(userId);
}

/**
 * Receipt watermarks of every active member.
 *
 * @example const all = await memberReceipts(room, chatId, userId);
 */
export async function memberReceipts(room: RoomContext, chatId: string, userId: string): Promise<Receipt[]> {
	await room.member(chatId, userId);
	const all = new Map(room.store.receipts().map((r) => [r.user_id, r]));
	return room.membership.activeIds().map((u) => all.get(u) ?? { user_id: u, delivered_seq: 0, read_seq: 0 });
}

import type { Message } from "@hatch/contract/frames";

type Summary = { seq: number; senderId: string; text: string; at: number };

/**
 * Keeps the D1 chat index (`chats.last_*`, the sender's `last_read_seq`) in
 * step with the room without one D1 write per message under load: at most
 * one write in flight, and the latest summary wins. The `last_seq < ?` guard
 * makes a late write harmless.
 *
 * Raw D1 statements, not drizzle, on purpose: they run on the per-message
 * path in one `batch`, every value is bound, and `max(last_read_seq, ?)` and
 * the `last_seq < ?` guard would be `sql` fragments in drizzle anyway.
 */
export class SummaryWriter {
	private pending: { chatId: string; s: Summary; readers: Map<string, number>; done: (() => void)[] } | null =
		null;
	private running = false;

	constructor(
		private readonly db: D1Database,
		private readonly onError: (err: unknown) => void,
	) {}

	/** Queues the summary; resolves once a write that includes it has finished (never rejects). */
	set(chatId: string, s: Summary): Promise<void> {
		const readers = this.pending?.readers ?? new Map<string, number>();
		readers.set(s.senderId, s.seq);
		const done = this.pending?.done ?? [];
		this.pending = { chatId, s, readers, done };
		const written = new Promise<void>((resolve) => done.push(resolve));
		if (!this.running) void this.run();
		return written;
	}

	private async run() {
		this.running = true;
		try {
			while (this.pending) {
				const { chatId, s, readers, done } = this.pending;
				this.pending = null;
				try {
					await this.db.batch([
						this.db
							.prepare(
								`UPDATE chats SET last_seq = ?, last_message_text = ?, last_message_sender_id = ?, last_message_at = ?, updated_at = ?
								 WHERE id = ? AND last_seq < ?`,
							)
							.bind(s.seq, s.text, s.senderId, s.at, s.at, chatId, s.seq),
						...[...readers].map(([userId, seq]) => raiseLastRead(this.db, chatId, userId, seq)),
					]);
				} catch (err) {
					this.onError(err);
				} finally {
					for (const d of done) d();
				}
			}
		} finally {
			this.running = false;
		}
	}
}

/**
 * The D1 statement that raises a member's `last_read_seq` to `seq` (never
 * lowers it): the inbox's unread count. Senders read their own messages
 * (SummaryWriter), readers move it with a read marker (receipts.ts).
 *
 * @example await raiseLastRead(db, chatId, userId, 42).run();
 */
export function raiseLastRead(
	db: D1Database,
	chatId: string,
	userId: string,
	seq: number,
): D1PreparedStatement {
	return db
		.prepare(
			"UPDATE chat_members SET last_read_seq = max(last_read_seq, ?) WHERE chat_id = ? AND user_id = ?",
		)
		.bind(seq, chatId, userId);
}

/**
 * The inbox preview of a message: its text (at most 200 characters), or a
 * count of its attachments when it has no text.
 *
 * @example summaryText(message); // "hello" or "[2 attachments]"
 */
export function summaryText(m: Message): string {
	if (m.text) return m.text.slice(0, 200);
	return m.attachments.length
		? `[${m.attachments.length} attachment${m.attachments.length > 1 ? "s" : ""}]`
		: "";
}

type Summary = { seq: number; senderId: string; text: string; at: number };

/**
 * Keeps the D1 chat index (`chats.last_*`, the sender's `last_read_seq`) in
 * step with the room without one D1 write per message under load: at most
 * one write in flight, and the latest summary wins. The `last_seq < ?` guard
 * makes a late write harmless.
 */
export class SummaryWriter {
	private pending: { chatId: string; s: Summary; readers: Map<string, number> } | null = null;
	private running = false;

	constructor(
		private readonly db: D1Database,
		private readonly onError: (err: unknown) => void,
	) {}

	set(chatId: string, s: Summary) {
		const readers = this.pending?.readers ?? new Map<string, number>();
		readers.set(s.senderId, s.seq);
		this.pending = { chatId, s, readers };
		if (!this.running) void this.run();
	}

	/** Resolves once everything queued so far is written (tests, shutdown). */
	async idle() {
		while (this.running) await new Promise((r) => setTimeout(r, 5));
	}

	private async run() {
		this.running = true;
		try {
			while (this.pending) {
				const { chatId, s, readers } = this.pending;
				this.pending = null;
				try {
					await this.db.batch([
						this.db
							.prepare(
								`UPDATE chats SET last_seq = ?, last_message_text = ?, last_message_sender_id = ?, last_message_at = ?, updated_at = ?
								 WHERE id = ? AND last_seq < ?`,
							)
							.bind(s.seq, s.text, s.senderId, s.at, s.at, chatId, s.seq),
						...[...readers].map(([userId, seq]) =>
							this.db
								.prepare(
									"UPDATE chat_members SET last_read_seq = max(last_read_seq, ?) WHERE chat_id = ? AND user_id = ?",
								)
								.bind(seq, chatId, userId),
						),
					]);
				} catch (err) {
					this.onError(err);
				}
			}
		} finally {
			this.running = false;
		}
	}
}

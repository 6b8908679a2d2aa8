/**
 * Per-chat position of one socket: the last message `seq` it holds, so a
 * reconnect resumes with `after_seq` and a gap (a seq that skips ahead) is
 * noticed and filled by subscribing again from the last one held.
 */
export type SeqVerdict = "new" | "duplicate" | "gap";

export class ChatPositions {
	private readonly last = new Map<string, number>();

	/** Chats this socket follows, with the seq to resume after (undefined: from now on). */
	entries(): [string, number | undefined][] {
		return [...this.last.entries()].map(([k, v]) => [k, v < 0 ? undefined : v]);
	}

	follow(chatId: string, afterSeq?: number): void {
		const known = this.last.get(chatId);
		if (known === undefined || (afterSeq !== undefined && afterSeq > known))
			this.last.set(chatId, afterSeq ?? -1);
	}

	unfollow(chatId: string): void {
		this.last.delete(chatId);
	}

	lastSeq(chatId: string): number | undefined {
		const v = this.last.get(chatId);
		return v === undefined || v < 0 ? undefined : v;
	}

	/**
	 * Judges a `message.new` seq: the next one (or the first one seen) is new
	 * and becomes the position; one already held is a duplicate; one past the
	 * next is a gap, and the position stays where it is so the re-subscribe
	 * asks for everything after it.
	 *
	 * @example positions.judge("c1", 42) // "new" | "duplicate" | "gap"
	 */
	judge(chatId: string, seq: number): SeqVerdict {
		const known = this.last.get(chatId);
		if (known === undefined || known < 0) {
			this.last.set(chatId, seq);
			return "new";
		}
		if (seq <= known) return "duplicate";
		if (seq > known + 1) return "gap";
		this.last.set(chatId, seq);
		return "new";
	}
}

import type { ChatEvent } from "@hatch/contract/frames";

/** What a UserHub answers to a delivery: how many of the user's sockets got it. */
export type DeliverResult = { sockets: number };

export type DeliverBatch = {
	chatId: string;
	events: ChatEvent[];
	/** The recipient's unread count after these events (for the inbox badge). */
	unread: number;
	muted: boolean;
	chatName: string | null;
};

type Target = { deliver(batch: DeliverBatch): Promise<DeliverResult> };

/**
 * Per-recipient delivery queues with at most one RPC in flight per UserHub.
 * Under load events coalesce into batches (one RPC carries many), and each
 * hub sees a chat's events in seq order. A queue lost to eviction is not a
 * loss: clients resume from storage by seq.
 */
export class Fanout {
	private readonly queues = new Map<string, ChatEvent[]>();
	private readonly inflight = new Set<string>();

	constructor(
		private readonly hub: (userId: string) => Target,
		private readonly batchInfo: (userId: string) => Omit<DeliverBatch, "events">,
		private readonly onDelivered: (userId: string, events: ChatEvent[], result: DeliverResult) => void,
		private readonly log: (msg: string, err: unknown) => void,
	) {}

	/** Queues `event` for each user and starts delivery; returns at once. */
	enqueue(userIds: Iterable<string>, event: ChatEvent) {
		for (const userId of userIds) {
			const q = this.queues.get(userId);
			if (q) q.push(event);
			else this.queues.set(userId, [event]);
			if (!this.inflight.has(userId)) void this.pump(userId);
		}
	}

	/** Pending event count, for tests and backpressure decisions. */
	get pending(): number {
		let n = 0;
		for (const q of this.queues.values()) n += q.length;
		return n;
	}

	private async pump(userId: string) {
		this.inflight.add(userId);
		try {
			for (let q = this.queues.get(userId); q?.length; q = this.queues.get(userId)) {
				this.queues.delete(userId);
				try {
					const result = await this.hub(userId).deliver({ ...this.batchInfo(userId), events: q });
					this.onDelivered(userId, q, result);
				} catch (err) {
					this.log("deliver failed", err);
				}
			}
		} finally {
			this.inflight.delete(userId);
		}
	}
}

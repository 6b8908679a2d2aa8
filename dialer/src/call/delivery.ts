/**
 * At-least-once event delivery to a callback URL: per call, in sequence order,
 * each event retried with exponential backoff until a 2xx, for at most ~10
 * minutes. The receiver drops duplicates by (call_id, seq).
 */
import type { Logger } from "../log.ts";
import type { CallEvent } from "./types.ts";

/** How to POST one event; resolves to the HTTP status. */
export type Poster = (url: string, event: CallEvent) => Promise<number>;

/** Retry policy (shortened in tests). */
export interface RetryPolicy {
	firstDelayMs: number;
	maxDelayMs: number;
	giveUpAfterMs: number;
}

/** The production policy: 0.5 s doubling to 60 s, give up after 10 minutes. */
export const DEFAULT_RETRY: RetryPolicy = {
	firstDelayMs: 500,
	maxDelayMs: 60_000,
	giveUpAfterMs: 10 * 60_000,
};

interface Queue {
	url: string;
	events: CallEvent[];
	running: boolean;
}

/** Ordered per-call queues of events awaiting delivery. */
export class CallbackDelivery {
	private queues = new Map<string, Queue>();
	private readonly post: Poster;
	private readonly policy: RetryPolicy;
	private readonly log: Logger;
	private timers = new Set<NodeJS.Timeout>();
	private closed = false;

	constructor(post: Poster, log: Logger, policy: RetryPolicy = DEFAULT_RETRY) {
		this.post = post;
		this.log = log;
		this.policy = policy;
	}

	/** Queue `event` for `url`. */
	enqueue(url: string, event: CallEvent): void {
		let q = this.queues.get(event.call_id);
		if (!q) {
			q = { url, events: [], running: false };
			this.queues.set(event.call_id, q);
		}
		q.events.push(event);
		if (!q.running) void this.drain(event.call_id, q);
	}

	/** Events not yet acknowledged (all calls). */
	get pending(): number {
		let n = 0;
		for (const q of this.queues.values()) n += q.events.length;
		return n;
	}

	private async drain(callId: string, q: Queue): Promise<void> {
		q.running = true;
		// Bounded: each event leaves the queue delivered or abandoned.
		while (q.events.length > 0 && !this.closed) {
			const event = q.events[0];
			const ok = await this.deliver(q.url, event);
			q.events.shift();
			if (!ok)
				this.log.error("event delivery abandoned", { call_id: callId, seq: event.seq, type: event.type });
		}
		q.running = false;
		if (q.events.length === 0) this.queues.delete(callId);
	}

	private async deliver(url: string, event: CallEvent): Promise<boolean> {
		const started = Date.now();
		let delay = this.policy.firstDelayMs;
		for (let attempt = 0; attempt < 1000 && !this.closed; attempt++) {
			try {
				const status = await this.post(url, event);
				if (status >= 200 && status < 300) return true;
				this.log.warn("event delivery refused", { call_id: event.call_id, seq: event.seq, status, attempt });
			} catch (err) {
				this.log.warn("event delivery failed", {
					call_id: event.call_id,
					seq: event.seq,
					err: (err as Error).message,
					attempt,
				});
			}
			if (Date.now() - started + delay > this.policy.giveUpAfterMs) return false;
			await this.sleep(delay);
			delay = Math.min(delay * 2, this.policy.maxDelayMs);
		}
		return false;
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const t = setTimeout(() => {
				this.timers.delete(t);
				resolve();
			}, ms);
			this.timers.add(t);
		});
	}

	/** Wait (bounded) until queues are empty; used when draining on SIGTERM. */
	async flush(timeoutMs: number): Promise<void> {
		const until = Date.now() + timeoutMs;
		while (this.pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
	}

	/** Stop retrying. */
	close(): void {
		this.closed = true;
		for (const t of this.timers) clearTimeout(t);
	}
}

/**
 * At-least-once event delivery to a callback URL, batched: one queue per
 * URL in arrival order (so each call's events stay in sequence order), sent
 * as one POST of up to DIALER_EVENT_BATCH_MAX events. While one POST is in
 * flight the next events wait for it, so batches grow with the load and add
 * no latency when idle. A batch is retried with exponential backoff until a
 * 2xx, for at most ~10 minutes. The receiver drops duplicates by (call_id, seq).
 */
import { DIALER_EVENT_BATCH_MAX } from "@hatch/contract/dialer";
import type { Logger } from "../log.ts";
import type { CallEvent } from "./types.ts";

/** How to POST a batch of events (a JSON array); resolves to the HTTP status. */
export type Poster = (url: string, events: CallEvent[]) => Promise<number>;

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
	events: CallEvent[];
	running: boolean;
}

/** Ordered per-URL queues of events awaiting delivery. */
export class CallbackDelivery {
	private queues = new Map<string, Queue>();
	private readonly post: Poster;
	private readonly policy: RetryPolicy;
	private readonly log: Logger;
	private readonly batchMax: number;
	private timers = new Set<NodeJS.Timeout>();
	private closed = false;

	constructor(
		post: Poster,
		log: Logger,
		policy: RetryPolicy = DEFAULT_RETRY,
		batchMax = DIALER_EVENT_BATCH_MAX,
	) {
		this.post = post;
		this.log = log;
		this.policy = policy;
		this.batchMax = batchMax;
	}

	/** Queue `event` for `url`. */
	enqueue(url: string, event: CallEvent): void {
		let q = this.queues.get(url);
		if (!q) {
			q = { events: [], running: false };
			this.queues.set(url, q);
		}
		q.events.push(event);
		if (!q.running) void this.drain(url, q);
	}

	/** Events not yet acknowledged (all URLs). */
	get pending(): number {
		let n = 0;
		for (const q of this.queues.values()) n += q.events.length;
		return n;
	}

	private async drain(url: string, q: Queue): Promise<void> {
		q.running = true;
		// Bounded: each batch leaves the queue delivered or abandoned.
		while (q.events.length > 0 && !this.closed) {
			const sent = await this.deliver(url, q);
			const batch = q.events.splice(0, sent.count);
			if (!sent.ok)
				this.log.error("event delivery abandoned", {
					events: batch.length,
					calls: [...new Set(batch.map((e) => e.call_id))].slice(0, 20),
				});
		}
		q.running = false;
		if (q.events.length === 0) this.queues.delete(url);
	}

	/** Sends the head of the queue (taking in what arrived meanwhile on each retry); how many left it. */
	private async deliver(url: string, q: Queue): Promise<{ ok: boolean; count: number }> {
		const started = Date.now();
		let delay = this.policy.firstDelayMs;
		let batch = q.events.slice(0, this.batchMax);
		for (let attempt = 0; attempt < 1000 && !this.closed; attempt++) {
			batch = q.events.slice(0, this.batchMax);
			try {
				const status = await this.post(url, batch);
				if (status >= 200 && status < 300) return { ok: true, count: batch.length };
				this.log.warn("event delivery refused", { events: batch.length, status, attempt });
			} catch (err) {
				this.log.warn("event delivery failed", {
					events: batch.length,
					err: (err as Error).message,
					attempt,
				});
			}
			if (Date.now() - started + delay > this.policy.giveUpAfterMs) return { ok: false, count: batch.length };
			await this.sleep(delay);
			delay = Math.min(delay * 2, this.policy.maxDelayMs);
		}
		return { ok: false, count: this.closed ? 0 : batch.length };
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

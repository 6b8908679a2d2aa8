/** Reconnect delays: exponential from `initialMs` to `maxMs`, with full jitter (AWS architecture blog, "Exponential Backoff and Jitter"). */
export type Backoff = { initialMs: number; maxMs: number };

export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, maxMs: 15_000 };

/**
 * The wait before reconnect attempt `attempt` (0 = first retry). Full jitter
 * spreads clients that all lost the same server over the whole window, so
 * they do not come back in one wave.
 *
 * @example backoffDelay(3, DEFAULT_BACKOFF) // somewhere in [0, 2000) ms
 */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF, random = Math.random): number {
	const cap = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 30));
	return Math.floor(random() * cap);
}

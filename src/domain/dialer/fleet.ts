/**
 * The dialer fleet, pure: which dialers there are, how healthy and how full
 * each one looks, which one takes the next call, and when one counts as dead.
 * The Campaign Durable Object keeps a view per dialer (refreshed from
 * `GET /health`), asks `pickDialer` for each new attempt, pins the call to the
 * dialer that took it, and resolves the calls of a dialer `isDead` reports.
 */
export const FLEET = {
	/** How often a campaign re-reads each dialer's health while it dials or has live calls. */
	HEALTH_EVERY_MS: 5000,
	/** A dialer that has not answered its health check for this long is dead: its live calls end as failed. */
	DEAD_AFTER_MS: 30_000,
} as const;

export type DialerView = {
	name: string;
	/** Its last health answer said ok. */
	ok: boolean;
	active: number;
	capacity: number;
	/** Since when its health checks have failed (null: answering). */
	failingSince: number | null;
};

/**
 * The fleet's names: the URLs of DIALER_URLS (comma-separated) or DIALER_URL
 * in development, else `dialer-0` … `dialer-<DIALER_FLEET_SIZE - 1>`, the names
 * of the DIALER_CONTAINER instances.
 *
 * @example fleetNames({ DIALER_URLS: "http://127.0.0.1:8901,http://127.0.0.1:8902" }) // both URLs
 */
export function fleetNames(env: {
	DIALER_URLS?: string;
	DIALER_URL?: string;
	DIALER_FLEET_SIZE?: string;
}): string[] {
	const urls = (env.DIALER_URLS ?? "")
		.split(",")
		.map((u) => u.trim())
		.filter(Boolean);
	if (urls.length > 0) return urls;
	if (env.DIALER_URL) return [env.DIALER_URL];
	const size = Math.min(64, Math.max(1, Math.floor(Number(env.DIALER_FLEET_SIZE) || 1)));
	return Array.from({ length: size }, (_, i) => `dialer-${i}`);
}

/** A view before its first health answer: usable, capacity unknown (one call at a time until it answers). */
export const unknownView = (name: string): DialerView => ({
	name,
	ok: true,
	active: 0,
	capacity: 1,
	failingSince: null,
});

/** The view after a health check: `health` null when the check failed or timed out. */
export function observed(
	v: DialerView,
	health: { ok: boolean; active_calls: number; capacity: number } | null,
	now: number,
): DialerView {
	if (!health) return { ...v, ok: false, failingSince: v.failingSince ?? now };
	return { ...v, ok: health.ok, active: health.active_calls, capacity: health.capacity, failingSince: null };
}

/** Whether the dialer has stopped answering for longer than the bound. */
export function isDead(v: DialerView, now: number): boolean {
	return v.failingSince !== null && now - v.failingSince >= FLEET.DEAD_AFTER_MS;
}

/**
 * The healthy dialer with the most free capacity (ties: the first named), or
 * null when none has room, which the engine treats like a 503: try later.
 */
export function pickDialer(fleet: readonly DialerView[]): string | null {
	let best: DialerView | null = null;
	for (const v of fleet) {
		if (!v.ok || v.failingSince !== null || v.capacity - v.active <= 0) continue;
		if (!best || v.capacity - v.active > best.capacity - best.active) best = v;
	}
	return best?.name ?? null;
}

/** The view once a call was placed on it, until the next health check says otherwise. */
export function took(v: DialerView): DialerView {
	return { ...v, active: v.active + 1 };
}

/** The view after the dialer answered 503 (no room): full until its next health check says otherwise. */
export function full(v: DialerView): DialerView {
	return { ...v, active: Math.max(v.active, v.capacity) };
}

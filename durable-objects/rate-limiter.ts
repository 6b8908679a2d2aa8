import { DurableObject } from "cloudflare:workers";

type Window = { start: number; count: number };

/**
 * One instance per rate-limit key (e.g. "login:ip:203.0.113.7"). A fixed
 * window counter kept in storage, so a limit holds across evictions and
 * behaves the same in `wrangler dev`, tests and production.
 */
export class RateLimiter extends DurableObject<Env> {
	/**
	 * Counts one hit against `limit` per `windowMs`.
	 * @returns whether it is allowed, and if not, seconds until the window resets.
	 */
	async hit(limit: number, windowMs: number, now = Date.now()) {
		const current = (await this.ctx.storage.get<Window>("w")) ?? { start: now, count: 0 };
		const window = now - current.start >= windowMs ? { start: now, count: 0 } : current;
		if (window.count >= limit) {
			return { allowed: false, remaining: 0, retryAfterS: Math.ceil((window.start + windowMs - now) / 1000) };
		}
		window.count += 1;
		await this.ctx.storage.put("w", window);
		// Clean up idle keys so storage does not grow with every IP ever seen.
		await this.ctx.storage.setAlarm(window.start + windowMs + 1000);
		return { allowed: true, remaining: limit - window.count, retryAfterS: 0 };
	}

	/** Forgets the window, e.g. after a successful login resets failed attempts. */
	async reset() {
		await this.ctx.storage.deleteAll();
	}

	override async alarm() {
		// The alarm is pushed forward by every hit, so when it fires the window is over.
		await this.ctx.storage.deleteAll();
	}
}

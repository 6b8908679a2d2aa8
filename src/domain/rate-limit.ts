import { ApiError } from "../errors";

export type RateRule = { limit: number; windowS: number };

/**
 * Counts a hit for `key` and throws 429 `RATE_LIMITED` with `Retry-After`
 * when the rule is exceeded.
 *
 * @example await enforceRateLimit(env.RATE_LIMITER, `login:ip:${ip}`, { limit: 10, windowS: 60 });
 */
export async function enforceRateLimit(ns: Env["RATE_LIMITER"], key: string, rule: RateRule): Promise<void> {
	const stub = ns.get(ns.idFromName(key));
	const result = await stub.hit(rule.limit, rule.windowS * 1000);
	if (!result.allowed) {
		throw new ApiError("RATE_LIMITED", "Too many requests; try again later", {
			headers: { "Retry-After": String(Math.max(1, result.retryAfterS)) },
		});
	}
}

/** Clears the counter for `key` (e.g. failed-login counter after a success). */
export async function resetRateLimit(ns: Env["RATE_LIMITER"], key: string): Promise<void> {
	await ns.get(ns.idFromName(key)).reset();
}

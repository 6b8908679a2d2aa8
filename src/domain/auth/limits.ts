import { enforceRateLimit, type RateRule } from "../rate-limit";

/**
 * Rate limits on everything an attacker would hammer. Per IP stops one
 * source; per account (email or number) stops a distributed attack on one
 * victim. Numbers are per window; each hit counts, success or not.
 */
export const AUTH_LIMITS = {
	loginIp: { limit: 30, windowS: 300 },
	loginAccount: { limit: 10, windowS: 900 },
	registerIp: { limit: 10, windowS: 3600 },
	registerAccount: { limit: 5, windowS: 3600 },
	codeRequestIp: { limit: 10, windowS: 3600 },
	codeRequestPhone: { limit: 5, windowS: 3600 },
	codeCheckIp: { limit: 30, windowS: 600 },
	codeCheckPhone: { limit: 10, windowS: 600 },
	emailRequestIp: { limit: 10, windowS: 3600 },
	emailRequestAccount: { limit: 5, windowS: 3600 },
	tokenIp: { limit: 60, windowS: 60 },
} satisfies Record<string, RateRule>;

export type AuthLimit = keyof typeof AUTH_LIMITS;

/**
 * Counts a hit on `rule` for `subject` (an IP, an email, a number) and
 * throws 429 RATE_LIMITED with Retry-After when over the limit.
 *
 * @example await limit(env.RATE_LIMITER, "loginIp", ip);
 */
export async function limit(ns: Env["RATE_LIMITER"], rule: AuthLimit, subject: string): Promise<void> {
	await enforceRateLimit(ns, `auth:${rule}:${subject}`, AUTH_LIMITS[rule]);
}

/**
 * The client's address as Cloudflare reports it. Without the header (only
 * in local tools) all such callers share one bucket, which errs on the
 * strict side.
 */
export function clientIp(header: string | undefined): string {
	return header?.trim().slice(0, 64) || "unknown";
}

import { ApiError } from "../../errors";
import { createLogger } from "../../lib/log";
import { enforceRateLimit } from "../rate-limit";
import { createTurnProvider, type TurnEnv } from "./config";
import { type TurnCredentials, TurnError } from "./types";

/** TURN leases per user per minute: generous for reconnects, a wall against a loop burning provider quota. */
export const TURN_RATE = { limit: 30, windowS: 60 } as const;

/**
 * Issues a TURN lease for a user on their explicit request (REST or
 * `call.lock_turn`): rate-limited per user, provider failures turned into the
 * API errors clients see (503 TURN_NOT_CONFIGURED, 502 TURN_UNAVAILABLE).
 *
 * @example const creds = await issueTurnLease(env, userId);
 */
export async function issueTurnLease(
	env: TurnEnv & { RATE_LIMITER: Env["RATE_LIMITER"] },
	userId: string,
): Promise<TurnCredentials> {
	await enforceRateLimit(env.RATE_LIMITER, `turn:user:${userId}`, TURN_RATE);
	try {
		return await createTurnProvider(env).issue(userId);
	} catch (e) {
		throw turnApiError(e);
	}
}

/**
 * Maps a provider failure to the API error clients see, without the provider's
 * details (those are for the log); anything else is a bug and passes through.
 *
 * @example catch (e) { throw turnApiError(e); }
 */
export function turnApiError(e: unknown): unknown {
	if (!(e instanceof TurnError)) return e;
	createLogger({ module: "turn" }).error("TURN lease failed", { kind: e.kind, error: e.message });
	return e.kind === "not_configured"
		? new ApiError("TURN_NOT_CONFIGURED", "Calls are not configured on this server", { status: 503 })
		: new ApiError("TURN_UNAVAILABLE", "The TURN provider did not answer; try again", { status: 502 });
}

import { createRoute, z } from "@hono/zod-openapi";
import { enforceRateLimit } from "../domain/rate-limit";
import { createTurnProvider } from "../domain/turn/config";
import { turnServerInfo } from "../domain/turn/info";
import { TurnError } from "../domain/turn/types";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";

const IceServer = z
	.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() })
	.openapi("IceServer");

/** Same shape as the `call.turn_server` frame and the `turn_server` of `call.offer`. */
export const TurnServer = z
	.object({
		ice_servers: z.array(IceServer).openapi({ description: "Pass as RTCConfiguration.iceServers" }),
		username: z.string().openapi({ example: "1767229200:0193a1b2-…" }),
		credential: z.string(),
		credential_type: z.literal("password"),
		ttl_s: z.number().int(),
		expires_at: z
			.number()
			.int()
			.openapi({ description: "Unix ms after which TURN refuses these credentials" }),
	})
	.openapi("TurnServer");

const ErrorBody = z.object({
	error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }),
});
const err = (description: string) => ({
	description,
	content: { "application/json": { schema: ErrorBody } },
});

/** TURN leases per user per minute: generous for reconnects, a wall against a loop burning Cloudflare quota. */
export const TURN_RATE = { limit: 30, windowS: 60 } as const;

const issue = createRoute({
	method: "post",
	path: "/v1/turn/credentials",
	tags: ["calls"],
	summary: "Short-lived TURN credentials and the ICE server list (the REST form of call.lock_turn)",
	security: [{ bearerAuth: [] }],
	middleware: [requireAuth] as const,
	responses: {
		200: { description: "A TURN lease", content: { "application/json": { schema: TurnServer } } },
		401: err("Not signed in"),
		429: err("Too many leases; see Retry-After"),
		502: err("TURN_UNAVAILABLE: the TURN provider failed"),
		503: err("TURN_NOT_CONFIGURED"),
	},
});

/**
 * Maps a provider failure to the API error clients see; anything else is a bug
 * and propagates as a plain 500.
 *
 * @example catch (e) { throw turnApiError(e); }
 */
export function turnApiError(e: unknown): unknown {
	if (!(e instanceof TurnError)) return e;
	return e.kind === "not_configured"
		? new ApiError("TURN_NOT_CONFIGURED", "Calls are not configured on this server", { status: 503 })
		: new ApiError("TURN_UNAVAILABLE", "The TURN provider did not answer; try again", { status: 502 });
}

export const turnRoutes = createRouter().openapi(issue, async (c) => {
	const userId = c.var.auth.userId;
	await enforceRateLimit(c.env.RATE_LIMITER, `turn:user:${userId}`, TURN_RATE);
	try {
		const creds = await createTurnProvider(c.env).issue(userId);
		c.header("Cache-Control", "no-store");
		return c.json(turnServerInfo(creds), 200);
	} catch (e) {
		if (e instanceof TurnError) c.var.log.error("TURN lease failed", { kind: e.kind, error: e.message });
		throw turnApiError(e);
	}
});

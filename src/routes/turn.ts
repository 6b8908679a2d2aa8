import { createRoute, z } from "@hono/zod-openapi";
import { turnServerInfo } from "../domain/turn/info";
import { issueTurnLease } from "../domain/turn/lease";
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

export const turnRoutes = createRouter().openapi(issue, async (c) => {
	const creds = await issueTurnLease(c.env, c.var.auth.userId);
	c.header("Cache-Control", "no-store");
	return c.json(turnServerInfo(creds), 200);
});

import { createRoute, z } from "@hono/zod-openapi";
import { endSessions, hubSockets } from "../domain/auth/revocation";
import { listSessions } from "../domain/auth/sessions";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import { bearer, errorContent } from "./auth-schemas";

const tags = ["me"];
const auth = { security: bearer, middleware: [requireAuth] };

const Session = z
	.object({
		id: z.string(),
		current: z.boolean(),
		user_agent: z.string().nullable(),
		ip: z.string().nullable(),
		created_at: z.string(),
		last_used_at: z.string(),
		expires_at: z.string(),
	})
	.openapi("Session");

const list = createRoute({
	method: "get",
	path: "/v1/me/sessions",
	tags,
	summary: "Your signed-in devices",
	...auth,
	responses: {
		200: {
			description: "Live sessions, most recently used first",
			content: { "application/json": { schema: z.object({ items: z.array(Session) }) } },
		},
		401: errorContent("Not signed in"),
	},
});

const revokeOne = createRoute({
	method: "delete",
	path: "/v1/me/sessions/{id}",
	tags,
	summary: "Sign one of your devices out",
	...auth,
	request: { params: z.object({ id: z.string().min(1).max(64) }) },
	responses: { 204: { description: "Revoked" }, 404: errorContent("No such live session of yours") },
});

const revokeAll = createRoute({
	method: "post",
	path: "/v1/me/sessions/revoke-all",
	tags,
	summary: "Sign out everywhere (including this device)",
	...auth,
	responses: {
		200: {
			description: "Revoked",
			content: { "application/json": { schema: z.object({ revoked: z.number().int() }) } },
		},
	},
});

export const meSessionRoutes = createRouter()
	.openapi(list, async (c) => {
		const rows = await listSessions(c.var.db, c.var.auth.userId);
		const items = rows.map((s) => ({
			id: s.id,
			current: s.id === c.var.auth.sessionId,
			user_agent: s.userAgent,
			ip: s.ip,
			created_at: s.createdAt.toISOString(),
			last_used_at: s.lastUsedAt.toISOString(),
			expires_at: s.expiresAt.toISOString(),
		}));
		return c.json({ items }, 200);
	})
	.openapi(revokeOne, async (c) => {
		// Another user's session id gets the same 404 as a made-up one.
		const { userId } = c.var.auth;
		const ended = await endSessions(c.var.db, hubSockets(c.env), {
			reason: "user",
			userId,
			sessionId: c.req.valid("param").id,
		});
		if (ended.length === 0) throw new ApiError("NOT_FOUND", "Session not found");
		return c.body(null, 204);
	})
	.openapi(revokeAll, async (c) => {
		const ended = await endSessions(c.var.db, hubSockets(c.env), {
			reason: "sign_out_everywhere",
			userId: c.var.auth.userId,
		});
		return c.json({ revoked: ended.length }, 200);
	});

import { createMiddleware } from "hono/factory";
import { verifyAccessToken } from "../domain/auth/access-token";
import { isSessionLive } from "../domain/auth/sessions";
import type { AppEnv, Role } from "../env";
import { ApiError } from "../errors";

/**
 * Requires `Authorization: Bearer <access token>` and sets `c.var.auth`.
 *
 * @example app.use("/v1/me/*", requireAuth);
 */
export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
	const header = c.req.header("Authorization") ?? "";
	const match = /^Bearer\s+([A-Za-z0-9\-_.]+)$/.exec(header);
	if (!match?.[1]) {
		throw new ApiError("UNAUTHENTICATED", "A bearer access token is required", {
			headers: { "WWW-Authenticate": 'Bearer realm="hatch"' },
		});
	}
	const auth = await verifyAccessToken(c.env, match[1]);
	// One primary-key read: a signed-out or revoked session's access tokens stop at once.
	if (!(await isSessionLive(c.var.db, auth.sessionId))) {
		throw new ApiError("INVALID_TOKEN", "Session has been signed out", {
			headers: { "WWW-Authenticate": `Bearer error="invalid_token"` },
		});
	}
	c.set("auth", auth);
	c.set("log", c.var.log.child({ userId: c.var.auth.userId }));
	await next();
});

/** Requires one of `roles`; use after `requireAuth`. */
export function requireRole(...roles: Role[]) {
	return createMiddleware<AppEnv>(async (c, next) => {
		if (!roles.includes(c.var.auth.role)) throw new ApiError("FORBIDDEN", "You may not do this");
		await next();
	});
}

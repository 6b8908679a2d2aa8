import type { Context } from "hono";
import type { MailDeps } from "../domain/auth/email-flows";
import { clientIp } from "../domain/auth/limits";
import type { ClientMeta } from "../domain/auth/sessions";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { Logger } from "../lib/log";
import { createEmailProvider } from "../providers/email";

/** The device facts a session records: user agent and client IP. */
export function clientMeta(c: Context<AppEnv>): ClientMeta & { ip: string } {
	return { userAgent: c.req.header("User-Agent") ?? null, ip: clientIp(c.req.header("CF-Connecting-IP")) };
}

/**
 * Email dependencies for a request. The provider is built here, before any
 * lookup, so a misconfigured production refuses every caller alike (503).
 */
export function mailDeps(c: Context<AppEnv>): MailDeps {
	return {
		db: c.var.db,
		mailer: createEmailProvider(c.env, c.var.db),
		publicUrl: c.env.PUBLIC_URL,
	};
}

/**
 * Runs work after the response (so its duration cannot be timed by the
 * caller); failures are logged, never shown.
 */
export function inBackground(c: Context<AppEnv>, work: () => Promise<void>): void {
	const log = c.var.log;
	c.executionCtx.waitUntil(
		work().catch((err: unknown) => log.error("background auth work failed", { error: String(err) })),
	);
}

/**
 * A replayed refresh token means a stolen one: worth a warning in the logs
 * (with the client IP; the token itself is never logged).
 */
export function warnOnReuse(log: Logger, ip: string) {
	return (err: unknown): never => {
		if (err instanceof ApiError && err.code === "REFRESH_TOKEN_REUSED")
			log.warn("refresh token replayed; session revoked", { ip });
		throw err;
	};
}

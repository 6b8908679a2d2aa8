import { createMiddleware } from "hono/factory";
import { createDb } from "../db/client";
import type { AppEnv } from "../env";
import { newId } from "../lib/ids";
import { createLogger } from "../lib/log";

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Sets the request id (a sane client `X-Request-Id` is kept, so traces join
 * up across services), a logger carrying it, and the database handle; logs
 * one line per request with its outcome and duration.
 */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
	const incoming = c.req.header("X-Request-Id");
	const requestId = incoming && CLIENT_REQUEST_ID.test(incoming) ? incoming : newId();
	const log = createLogger({ requestId }, c.env.LOG_LEVEL);
	c.set("requestId", requestId);
	c.set("log", log);
	c.set("db", createDb(c.env.DB));
	const started = Date.now();
	await next();
	c.header("X-Request-Id", requestId);
	c.var.log.info("request", {
		method: c.req.method,
		path: c.req.path,
		status: c.res.status,
		ms: Date.now() - started,
	});
});

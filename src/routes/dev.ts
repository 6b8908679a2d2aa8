import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { devOutbox } from "../db/schema";
import { hubOf, roomOf } from "../domain/chats/deps";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { isDevEnvironment } from "../providers/dev-mode";
import { errorContent } from "./auth-schemas";

/** Outside development and test the route does not exist, whatever the query. */
const devOnly = createMiddleware<AppEnv>(async (c, next) => {
	if (!isDevEnvironment(c.env.ENVIRONMENT)) throw new ApiError("NOT_FOUND", `No route for GET ${c.req.path}`);
	await next();
});

const outbox = createRoute({
	method: "get",
	path: "/v1/dev/outbox",
	tags: ["dev"],
	middleware: [devOnly],
	summary: "Development only: what the console SMS/email providers would have sent",
	description:
		"Exists only when ENVIRONMENT is development or test (404 otherwise). Read SMS codes and email tokens here while developing.",
	request: {
		query: z.object({
			to: z.string().min(3).max(320).openapi({ description: "E.164 number or email address" }),
		}),
	},
	responses: {
		200: {
			description: "Newest first, at most 20",
			content: {
				"application/json": {
					schema: z.object({
						items: z.array(
							z.object({
								channel: z.enum(["sms", "email"]),
								to: z.string(),
								subject: z.string().nullable(),
								body: z.string(),
								created_at: z.string(),
							}),
						),
					}),
				},
			},
		},
		404: errorContent("Not a development environment"),
	},
});

const evict = createRoute({
	method: "post",
	path: "/v1/dev/evict",
	tags: ["dev"],
	middleware: [devOnly],
	summary: "Development only: evict a chat's ChatRoom or a user's UserHub from memory",
	description:
		"Exists only when ENVIRONMENT is development or test (404 otherwise). The Durable Object aborts (ctx.abort): its in-memory state is dropped and its sockets are disconnected; the next request starts it again from storage. Used by bench/chaos.",
	request: {
		body: {
			content: {
				"application/json": {
					schema: z.object({ kind: z.enum(["chat", "hub"]), id: z.string().uuid() }),
				},
			},
		},
	},
	responses: {
		204: { description: "Evicted (or was not running)" },
		404: errorContent("Not a development environment"),
	},
});

export const devRoutes = createRouter()
	.openapi(evict, async (c) => {
		const { kind, id } = c.req.valid("json");
		const stub = kind === "chat" ? roomOf(c.env, id) : hubOf(c.env, id);
		// The abort breaks the call that made it: a thrown error here is the eviction.
		await stub.devEvict().catch(() => undefined);
		return c.body(null, 204);
	})
	.openapi(outbox, async (c) => {
		const rows = await c.var.db
			.select()
			.from(devOutbox)
			.where(eq(devOutbox.recipient, c.req.valid("query").to.trim().toLowerCase()))
			.orderBy(desc(devOutbox.id))
			.limit(20);
		const items = rows.map((r) => ({
			channel: r.channel,
			to: r.recipient,
			subject: r.subject,
			body: r.body,
			created_at: r.createdAt.toISOString(),
		}));
		return c.json({ items }, 200);
	});

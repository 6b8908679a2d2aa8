import { createRoute, z } from "@hono/zod-openapi";
import { desc, eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { devOutbox } from "../db/schema";
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

export const devRoutes = createRouter().openapi(outbox, async (c) => {
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

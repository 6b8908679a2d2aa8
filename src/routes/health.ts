import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../lib/router";

const Health = z.object({ ok: z.boolean(), service: z.string(), time: z.string() }).openapi("Health");

const healthRoute = createRoute({
	method: "get",
	path: "/health",
	tags: ["meta"],
	summary: "Liveness and database reachability",
	responses: {
		200: { description: "Healthy", content: { "application/json": { schema: Health } } },
		503: { description: "Database unreachable" },
	},
});

export const healthRoutes = createRouter().openapi(healthRoute, async (c) => {
	await c.env.DB.prepare("select 1").first();
	return c.json({ ok: true, service: "hatch", time: new Date().toISOString() }, 200);
});

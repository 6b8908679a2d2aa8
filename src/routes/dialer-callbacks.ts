import { DialerEventsAck, DialerEventsBody } from "@hatch/contract/dialer";
import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { applyDialerEvents, soundForDialer } from "../domain/dialer/callbacks";
import { verifyDialerCallbackToken } from "../domain/dialer/token";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";
import { safeDownloadHeaders } from "../lib/safe-download";

const tags = ["voice: dialer callbacks"];
const security = [{ dialerAuth: [] }];

/** Only the dialer gets in: a JWT under DIALER_SECRET, iss hatch-dialer, aud hatch-worker. */
const requireDialer = createMiddleware<AppEnv>(async (c, next) => {
	const token = /^Bearer\s+(\S+)$/.exec(c.req.header("Authorization") ?? "")?.[1];
	if (!token) throw new ApiError("UNAUTHENTICATED", "A dialer token is required");
	try {
		await verifyDialerCallbackToken(c.env.DIALER_SECRET, token);
	} catch {
		throw new ApiError("INVALID_TOKEN", "Not a valid dialer token");
	}
	await next();
});

export const dialerCallbackRoutes = createRouter();
dialerCallbackRoutes.use("/v1/dialer/*", requireDialer);

dialerCallbackRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/dialer/events",
		tags,
		security,
		summary: "Call events from the dialer (at least once, deduplicated by call_id + seq)",
		request: {
			body: {
				content: { "application/json": { schema: DialerEventsBody } },
				required: true,
			},
		},
		responses: {
			200: { description: "Accepted", content: { "application/json": { schema: DialerEventsAck } } },
			401: { description: "Not the dialer" },
		},
	}),
	async (c) => {
		const body = c.req.valid("json");
		return c.json(await applyDialerEvents(c.env, c.var.db, Array.isArray(body) ? body : [body]), 200);
	},
);

dialerCallbackRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/dialer/sounds/{id}",
		tags,
		security,
		summary: "A campaign sound for the dialer: the G.711 WAV when stored, else the original (MP3)",
		request: { params: z.object({ id: z.string().min(1).max(64) }) },
		responses: {
			200: { description: "Audio" },
			304: { description: "Unchanged" },
			401: { description: "Not the dialer" },
			404: { description: "No such sound" },
		},
	}),
	async (c) => {
		const obj = await soundForDialer(c.env, c.var.db, c.req.valid("param").id, c.req.raw.headers);
		const headers = { ETag: obj.httpEtag, "Cache-Control": "private, max-age=3600" };
		if (!("body" in obj)) return new Response(null, { status: 304, headers });
		return new Response(obj.body, {
			headers: {
				...headers,
				...safeDownloadHeaders({
					name: obj.key.split("/").pop() ?? "sound",
					contentType: obj.httpMetadata?.contentType ?? "application/octet-stream",
				}),
				"Content-Length": String(obj.size),
			},
		});
	},
);

dialerCallbackRoutes.openAPIRegistry.registerComponent("securitySchemes", "dialerAuth", {
	type: "http",
	scheme: "bearer",
	bearerFormat: "JWT",
	description: "HS256 under DIALER_SECRET, iss hatch-dialer, aud hatch-worker (the dialer service only)",
});

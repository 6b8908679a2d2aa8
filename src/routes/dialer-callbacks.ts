import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { sounds } from "../db/schema";
import { campaignStub } from "../domain/campaigns/campaigns";
import { verifyDialerCallbackToken } from "../domain/dialer/token";
import { DIALER_EVENT_TYPES, type DialerEvent } from "../domain/dialer/types";
import { recordTestCallEvent, TEST_CALL_PREFIX } from "../domain/trunks/test-call";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";

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

const Event = z
	.object({
		call_id: z.string().min(1).max(128),
		seq: z.number().int().min(1),
		type: z.enum(DIALER_EVENT_TYPES),
		at: z.string().max(40),
		// 0 = no SIP answer at all (timer B, transport error). Text is clipped, never refused:
		// a 400 here would make the dialer retry an event we can never accept.
		sip_code: z.number().int().min(0).max(699).optional(),
		reason: z
			.string()
			.transform((s) => s.slice(0, 500))
			.optional(),
		ring_ms: z.number().int().min(0).optional(),
		talk_ms: z.number().int().min(0).optional(),
		billed_s: z.number().int().min(0).optional(),
		digit: z
			.string()
			.transform((s) => s.slice(0, 2))
			.optional(),
		amd: z.enum(["human", "machine", "unknown"]).optional(),
		amd_ms: z.number().int().min(0).optional(),
	})
	.openapi("DialerEvent");
const CAMPAIGN_CALL = /^([0-9a-f-]{36}):\d+:\d+$/;

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
				content: { "application/json": { schema: z.union([Event, z.array(Event).max(500)]) } },
				required: true,
			},
		},
		responses: {
			200: {
				description: "Accepted",
				content: {
					"application/json": { schema: z.object({ accepted: z.number(), duplicates: z.number() }) },
				},
			},
			401: { description: "Not the dialer" },
		},
	}),
	async (c) => {
		const body = c.req.valid("json");
		const events = (Array.isArray(body) ? body : [body]) as DialerEvent[];
		let duplicates = 0;
		for (const ev of events) {
			if (ev.call_id.startsWith(TEST_CALL_PREFIX)) {
				await recordTestCallEvent(c.var.db, ev);
				continue;
			}
			const campaignId = CAMPAIGN_CALL.exec(ev.call_id)?.[1];
			// Unknown ids are acknowledged: retrying them forever helps no one.
			if (!campaignId) continue;
			const r = await campaignStub(c.env, campaignId).onDialerEvent(ev);
			if (r.duplicate) duplicates++;
		}
		return c.json({ accepted: events.length - duplicates, duplicates }, 200);
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
		const sound = await c.var.db.query.sounds.findFirst({ where: eq(sounds.id, c.req.valid("param").id) });
		if (!sound) throw new ApiError("NOT_FOUND", "Sound not found");
		const obj = await c.env.FILES.get(sound.convertedKey ?? sound.originalKey, { onlyIf: c.req.raw.headers });
		if (!obj) throw new ApiError("NOT_FOUND", "Sound data not found");
		const headers = { ETag: obj.httpEtag, "Cache-Control": "private, max-age=3600" };
		if (!("body" in obj)) return new Response(null, { status: 304, headers });
		return new Response(obj.body, {
			headers: {
				...headers,
				"Content-Type": obj.httpMetadata?.contentType ?? "application/octet-stream",
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

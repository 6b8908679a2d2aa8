import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import {
	campaignStub,
	campaignView,
	createCampaign,
	deleteCampaign,
	getOwnedCampaign,
	listCampaigns,
	updateCampaign,
} from "../domain/campaigns/campaigns";
import { cdrCsv } from "../domain/campaigns/cdr-csv";
import { assertPartsExist } from "../domain/campaigns/parts";
import { ApiError } from "../errors";
import { decodePageToken, encodePageToken, INT_CURSOR, pageQuery, pageSchema } from "../lib/pagination";
import { createRouter } from "../lib/router";
import { safeDownloadHeaders } from "../lib/safe-download";
import { errors, getRoute, IdParam, json, ownedResource, security } from "./owned-resource";

const tags = ["voice: campaigns"];
const base = "/v1/campaigns";
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "HH:MM");
const Window = z
	.object({
		time_zone: z.string().min(1).max(64),
		days: z.array(z.number().int().min(1).max(7)).max(7),
		start: hhmm,
		end: hhmm,
	})
	.strict()
	.openapi("CallingWindow", {
		description: "Days (1 = Monday … 7 = Sunday) and local hours [start, end) in an IANA time zone",
	});
const Rule = z
	.object({
		delay_s: z
			.number()
			.int()
			.min(0)
			.max(7 * 86400),
		max_attempts: z.number().int().min(1).max(10),
	})
	.strict();
const Retry = z
	.object({ busy: Rule.optional(), no_answer: Rule.optional(), failed: Rule.optional() })
	.strict()
	.openapi("RetryPolicy");
const Amd = z
	.object({
		on_machine: z.enum(["hangup", "play", "play_other"]),
		machine_sound_id: z.string().min(1).max(64).optional(),
	})
	.strict()
	.refine((a) => (a.on_machine === "play_other") === (a.machine_sound_id !== undefined), {
		message: 'machine_sound_id is required with on_machine "play_other", and only with it',
		path: ["machine_sound_id"],
	})
	.openapi("CampaignAmd");
const CampaignCreate = z
	.object({
		name: ShortName(100),
		trunk_id: z.string().min(1).max(64),
		sound_id: z.string().min(1).max(64),
		list_id: z.string().min(1).max(64),
		max_concurrent: z.number().int().min(1).max(500).optional(),
		calls_per_second: z.number().min(0.01).max(200).optional(),
		ring_timeout_s: z.number().int().min(5).max(120).optional(),
		max_duration_s: z.number().int().min(5).max(3600).optional(),
		retry: Retry.optional(),
		window: Window.nullable().optional(),
		webhook_url: z
			.url({ protocol: /^https?$/ })
			.max(2000)
			.nullable()
			.optional(),
		amd: Amd.nullable().optional(),
	})
	.strict()
	.openapi("CampaignCreate");
const CampaignUpdate = CampaignCreate.partial().strict().openapi("CampaignUpdate");
const Counts = z.record(z.string(), z.number());
const Campaign = z
	.object({
		id: z.string(),
		name: z.string(),
		trunk_id: z.string(),
		sound_id: z.string(),
		list_id: z.string(),
		max_concurrent: z.number(),
		calls_per_second: z.number(),
		ring_timeout_s: z.number(),
		max_duration_s: z.number(),
		retry: Retry,
		window: Window.nullable(),
		webhook_url: z.string().nullable(),
		amd: Amd.nullable(),
		status: z.enum(["draft", "running", "waiting_for_window", "paused", "completed", "canceled"]),
		/** When a `waiting_for_window` campaign's calling window opens (ISO), else null. */
		window_opens_at: z.string().nullable(),
		counts: Counts.nullable(),
		started_at: z.string().nullable(),
		finished_at: z.string().nullable(),
		created_at: z.string(),
		updated_at: z.string(),
	})
	.openapi("Campaign");
const Cdr = z
	.object({
		call_id: z.string(),
		number: z.string(),
		attempt: z.number(),
		state: z.string(),
		outcome: z.string().nullable(),
		created_at: z.string().nullable(),
		started_at: z.string().nullable(),
		answered_at: z.string().nullable(),
		ended_at: z.string().nullable(),
		billed_s: z.number().nullable(),
		ring_ms: z.number().nullable(),
		talk_ms: z.number().nullable(),
		sip_code: z.number().nullable(),
		reason: z.string().nullable(),
		dtmf: z.string(),
		amd: z.enum(["human", "machine", "unknown"]).nullable(),
		amd_ms: z.number().nullable(),
	})
	.openapi("CallRecord");
const CdrFilter = z.object({
	outcome: z.enum(["completed", "busy", "no_answer", "failed", "canceled"]).optional(),
	state: z.string().max(20).optional(),
	number: z.string().max(32).optional(),
});

export const campaignRoutes = createRouter();
const owned = ownedResource(campaignRoutes, { path: base, tags });

campaignRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/campaigns",
		tags,
		security,
		summary: "Create a draft campaign from your trunk, sound and contact list",
		description:
			"`webhook_secret` is returned once: webhooks carry `Hatch-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + '.' + body)>`.",
		request: { body: { content: { "application/json": { schema: CampaignCreate } }, required: true } },
		responses: {
			201: json(Campaign.extend({ webhook_secret: z.string().nullable() }), "Created"),
			422: { description: "SCHEDULE_IMPOSSIBLE / WEBHOOK_HOST_DENIED" },
			...errors,
		},
	}),
	async (c) => {
		const { row, webhookSecret } = await createCampaign(
			c.env,
			c.var.db,
			c.var.auth.userId,
			c.req.valid("json"),
		);
		return c.json({ ...campaignView(row), webhook_secret: webhookSecret }, 201);
	},
);

owned.list("Your campaigns, newest first", Campaign, listCampaigns, campaignView);

campaignRoutes.openapi(
	getRoute(
		{ path: base, tags, summary: "A campaign with live counts by state" },
		Campaign.extend({ webhooks: z.record(z.string(), z.number()).nullable() }),
	),
	async (c) => {
		const row = await getOwnedCampaign(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		if (row.status === "draft") return c.json({ ...campaignView(row), webhooks: null }, 200);
		const live = await campaignStub(c.env, row.id).getStatus();
		const view = campaignView({ ...row, status: live.status as typeof row.status });
		return c.json({ ...view, counts: live.counts, webhooks: live.webhooks }, 200);
	},
);

campaignRoutes.openapi(
	createRoute({
		method: "patch",
		path: "/v1/campaigns/{id}",
		tags,
		security,
		summary: "Change a draft campaign",
		request: {
			params: IdParam,
			body: { content: { "application/json": { schema: CampaignUpdate } }, required: true },
		},
		responses: {
			200: json(Campaign, "Updated"),
			409: { description: "CAMPAIGN_NOT_DRAFT" },
			422: { description: "SCHEDULE_IMPOSSIBLE" },
			...errors,
		},
	}),
	async (c) => {
		const row = await getOwnedCampaign(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		return c.json(campaignView(await updateCampaign(c.env, c.var.db, row, c.req.valid("json"))), 200);
	},
);

owned.delete(
	"Delete a campaign that is not running or paused",
	getOwnedCampaign,
	(row, _env, db) => deleteCampaign(db, row),
	{ 409: { description: "CAMPAIGN_ACTIVE" } },
);

const Action = z.object({
	id: z.string().min(1).max(64),
	action: z.enum(["start", "pause", "resume", "cancel"]),
});

campaignRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/campaigns/{id}/{action}",
		tags,
		security,
		summary: "start | pause | resume | cancel",
		description:
			"start: draft → running. pause: running → paused (live calls finish). resume: paused → running. cancel: hangs up live calls, the rest are canceled.",
		request: { params: Action },
		responses: {
			200: json(z.object({ id: z.string(), status: z.string() }), "New status"),
			409: { description: "CAMPAIGN_BAD_STATE" },
			...errors,
		},
	}),
	async (c) => {
		const { id, action } = c.req.valid("param");
		const row = await getOwnedCampaign(c.var.db, c.var.auth.userId, id);
		const allowed = {
			start: ["draft"],
			pause: ["running"],
			resume: ["paused"],
			cancel: ["running", "paused"],
		}[action];
		const stub = campaignStub(c.env, row.id);
		const current = row.status === "draft" ? "draft" : (await stub.getStatus()).status;
		if (!allowed.includes(current))
			throw new ApiError("CAMPAIGN_BAD_STATE", `Cannot ${action} a ${current} campaign`, { status: 409 });
		if (action === "start") await assertPartsExist(c.var.db, row);
		const result =
			action === "start"
				? await stub.start(row.id)
				: action === "pause"
					? await stub.pause()
					: action === "resume"
						? await stub.resume()
						: await stub.cancel();
		return c.json({ id: row.id, status: result.status }, 200);
	},
);

campaignRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/campaigns/{id}/calls",
		tags,
		security,
		summary: "Call records (one per attempt), filterable by outcome, state and number",
		request: { params: IdParam, query: pageQuery({ size: 100, max: 1000 }).extend(CdrFilter.shape) },
		responses: { 200: json(pageSchema(Cdr), "Call records"), ...errors },
	}),
	async (c) => {
		const row = await getOwnedCampaign(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		const { page_token, page_size, ...filter } = c.req.valid("query");
		const after = Number(decodePageToken(page_token, INT_CURSOR) ?? 0);
		if (row.status === "draft") return c.json({ items: [], page_token: null }, 200);
		// The engine pages by row number itself (`next_after`); only the wire shape is wrapped here.
		const page = await campaignStub(c.env, row.id).listCalls({ ...filter, after, limit: page_size });
		const token = page.next_after === null ? null : encodePageToken(page.next_after);
		return c.json({ items: page.items, page_token: token }, 200);
	},
);

campaignRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/campaigns/{id}/calls.csv",
		tags,
		security,
		summary: "All call records as CSV (same filters)",
		request: { params: IdParam, query: CdrFilter },
		responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...errors },
	}),
	async (c) => {
		const row = await getOwnedCampaign(c.var.db, c.var.auth.userId, c.req.valid("param").id);
		const stub = campaignStub(c.env, row.id);
		const filter = c.req.valid("query");
		const body = cdrCsv(
			row.status === "draft" ? null : (after) => stub.listCalls({ ...filter, after, limit: 1000 }),
		);
		return new Response(body, {
			headers: safeDownloadHeaders({ name: `campaign-${row.id}-calls.csv`, contentType: "text/csv" }),
		});
	},
);

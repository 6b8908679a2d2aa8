import { createRoute, z } from "@hono/zod-openapi";
import { HISTORY_PAGE, listCalls } from "../domain/calls/history";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";

const CallItem = z
	.object({
		id: z.string(),
		direction: z.enum(["outgoing", "incoming"]),
		peer: z.object({ id: z.string(), display_name: z.string() }),
		started_at: z.number().int().openapi({ description: "Unix ms of the offer" }),
		answered_at: z.number().int().nullable(),
		ended_at: z.number().int(),
		duration_s: z.number().int().openapi({ description: "Answer to end; 0 if never answered" }),
		end_code: z.number().int().openapi({
			description:
				"SIP code: 200 normal, 486 busy, 480 no answer, 408 unreachable, 487 cancelled, 500 dropped, 603 declined",
		}),
		end_reason: z.string(),
		ended_by: z.enum(["caller", "callee", "system"]),
		missed: z.boolean(),
	})
	.openapi("CallHistoryItem");

const ErrorBody = z.object({
	error: z.object({ code: z.string(), message: z.string(), requestId: z.string() }),
});

const list = createRoute({
	method: "get",
	path: "/v1/calls",
	tags: ["calls"],
	summary: "Your call history, newest first (both directions)",
	security: [{ bearerAuth: [] }],
	middleware: [requireAuth] as const,
	request: {
		query: z.object({
			page_token: z.uuid().optional().openapi({ description: "page_token of the previous page" }),
			page_size: z.coerce.number().int().min(1).max(HISTORY_PAGE.MAX).optional(),
		}),
	},
	responses: {
		200: {
			description: "One page of calls",
			content: {
				"application/json": {
					schema: z.object({ items: z.array(CallItem), page_token: z.string().nullable() }),
				},
			},
		},
		400: {
			description: "Bad page_token or page_size",
			content: { "application/json": { schema: ErrorBody } },
		},
		401: { description: "Not signed in", content: { "application/json": { schema: ErrorBody } } },
	},
});

export const callRoutes = createRouter().openapi(list, async (c) => {
	const q = c.req.valid("query");
	const page = await listCalls(c.var.db, c.var.auth.userId, {
		pageToken: q.page_token,
		pageSize: q.page_size,
	});
	// The shape every list in the API shares (the Phoenix seed's): items + page_token, null on the last page.
	return c.json({ items: page.calls, page_token: page.next_page_token }, 200);
});

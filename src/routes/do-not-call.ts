import { createRoute, z } from "@hono/zod-openapi";
import { addDoNotCall, listDoNotCall, removeDoNotCall } from "../domain/contacts/do-not-call";
import { toE164 } from "../domain/contacts/normalize";
import { ApiError } from "../errors";
import { decodePageToken, pageOf, pageQuery, pageSchema } from "../lib/pagination";
import { createRouter } from "../lib/router";
import { json, requireAuthUnder, security } from "./owned-resource";

const tags = ["voice: do-not-call"];
/** A do-not-call page ends at an E.164 number. */
const E164_CURSOR = /^\+\d{1,15}$/;
const errors = { 400: { description: "Invalid input" }, 401: { description: "Not signed in" } };

export const doNotCallRoutes = createRouter();
requireAuthUnder(doNotCallRoutes, "/v1/do-not-call");

doNotCallRoutes.openapi(
	createRoute({
		method: "post",
		path: "/v1/do-not-call",
		tags,
		security,
		summary: "Add numbers to your do-not-call list (checked at upload and again before every dial)",
		request: {
			body: {
				content: {
					"application/json": {
						schema: z
							.object({
								numbers: z.array(z.string().min(1).max(64)).min(1).max(1000),
								region: z
									.string()
									.regex(/^[A-Z]{2}$/)
									.optional(),
							})
							.strict(),
					},
				},
				required: true,
			},
		},
		responses: {
			200: json(z.object({ added: z.array(z.string()), invalid: z.array(z.string()) }), "Added"),
			...errors,
		},
	}),
	async (c) => {
		const { numbers, region } = c.req.valid("json");
		const added: string[] = [];
		const invalid: string[] = [];
		for (const n of numbers) {
			const e164 = toE164(n, region ?? c.env.DEFAULT_PHONE_REGION);
			if (e164) added.push(e164);
			else invalid.push(n);
		}
		if (added.length === 0)
			throw new ApiError("INVALID_NUMBER", "None of the numbers is a valid phone number", {
				status: 422,
				details: { invalid },
			});
		const unique = [...new Set(added)];
		await addDoNotCall(c.var.db, c.var.auth.userId, unique);
		return c.json({ added: unique, invalid }, 200);
	},
);

doNotCallRoutes.openapi(
	createRoute({
		method: "get",
		path: "/v1/do-not-call",
		tags,
		security,
		summary: "Your do-not-call numbers in number order",
		request: { query: pageQuery({ size: 100, max: 1000 }) },
		responses: {
			200: json(pageSchema(z.object({ number: z.string(), created_at: z.string() })), "Numbers"),
			...errors,
		},
	}),
	async (c) => {
		const q = c.req.valid("query");
		const after = decodePageToken(q.page_token, E164_CURSOR);
		const rows = await listDoNotCall(c.var.db, c.var.auth.userId, q.page_size + 1, after);
		const view = (r: (typeof rows)[number]) => ({ number: r.number, created_at: r.createdAt.toISOString() });
		return c.json(
			pageOf(rows, q.page_size, view, (r) => r.number),
			200,
		);
	},
);

doNotCallRoutes.openapi(
	createRoute({
		method: "delete",
		path: "/v1/do-not-call/{number}",
		tags,
		security,
		summary: "Remove a number from your do-not-call list",
		request: { params: z.object({ number: z.string().min(1).max(64) }) },
		responses: { 204: { description: "Removed (or was not there)" }, ...errors },
	}),
	async (c) => {
		const e164 = toE164(c.req.valid("param").number, c.env.DEFAULT_PHONE_REGION);
		if (!e164) throw new ApiError("INVALID_NUMBER", "Not a valid phone number", { status: 422 });
		await removeDoNotCall(c.var.db, c.var.auth.userId, e164);
		return c.body(null, 204);
	},
);

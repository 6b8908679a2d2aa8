import { createRoute, z } from "@hono/zod-openapi";
import { getUser, getUsersByIds, listUsers } from "../domain/users/users";
import { toPublicView } from "../domain/users/views";
import { pageQuery, pageSchema } from "../lib/pagination";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import { bearer, errorContent, PublicUser } from "./auth-schemas";

const tags = ["users"];
const auth = { security: bearer, middleware: [requireAuth] };
const UserId = z.string().regex(/^[0-9a-f-]{36}$/, "not a user id");

const UserPage = pageSchema(PublicUser).openapi("UserPage", {
	description: "`page_token` is null on the last page",
});

const list = createRoute({
	method: "get",
	path: "/v1/users",
	tags,
	summary: "List users, or search them by name",
	description:
		"Cursor pagination: pass the `page_token` of one page to get the next. Never shows email or phone.",
	...auth,
	request: {
		query: pageQuery({ size: 20 }).extend({
			q: z
				.string()
				.trim()
				.min(1)
				.max(64)
				.optional()
				.openapi({ description: "Part of a display, first or last name" }),
		}),
	},
	responses: {
		200: { description: "A page", content: { "application/json": { schema: UserPage } } },
		400: errorContent("Invalid query"),
	},
});

const getOne = createRoute({
	method: "get",
	path: "/v1/users/{id}",
	tags,
	summary: "Public info of one user",
	...auth,
	request: { params: z.object({ id: UserId }) },
	responses: {
		200: { description: "The user", content: { "application/json": { schema: PublicUser } } },
		404: errorContent("No such user"),
	},
});

const bulk = createRoute({
	method: "post",
	path: "/v1/users/bulk",
	tags,
	summary: "Public info of up to 100 users",
	description: "Unknown ids are left out of `items`.",
	...auth,
	request: {
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z.strictObject({ ids: z.array(UserId).min(1).max(100) }).openapi("BulkUsersRequest"),
				},
			},
		},
	},
	responses: {
		200: {
			description: "Users found",
			content: { "application/json": { schema: z.object({ items: z.array(PublicUser) }) } },
		},
		400: errorContent("Invalid input"),
	},
});

export const userRoutes = createRouter()
	.openapi(list, async (c) => {
		const q = c.req.valid("query");
		const page = await listUsers(c.var.db, { query: q.q, pageToken: q.page_token, pageSize: q.page_size });
		return c.json({ items: page.items.map(toPublicView), page_token: page.nextPageToken }, 200);
	})
	.openapi(bulk, async (c) => {
		const rows = await getUsersByIds(c.var.db, c.req.valid("json").ids);
		return c.json({ items: rows.map(toPublicView) }, 200);
	})
	.openapi(getOne, async (c) => c.json(toPublicView(await getUser(c.var.db, c.req.valid("param").id)), 200));

import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { decodePageToken, pageOf, pageQuery, pageSchema, UUID_CURSOR } from "../lib/pagination";
import { requireAuth } from "../middleware/auth";

/*
 * What the voice resources (SIP trunks, sounds, contact lists, campaigns,
 * do-not-call) share: each belongs to one account, is listed newest first by
 * its UUIDv7 id, and is read and deleted by id. Handlers stay inline in each
 * route file; the OpenAPI shapes and the list paging live here once.
 */

export const security = [{ bearerAuth: [] }];

/** A JSON response for the OpenAPI document. @example 201: json(Trunk, "Created") */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
	description,
	content: { "application/json": { schema } },
});

/** Errors every owner-scoped route can give (404 also for someone else's id). */
export const errors = {
	400: { description: "Invalid input" },
	401: { description: "Not signed in" },
	404: { description: "Not found" },
};

export const IdParam = z.object({ id: z.string().min(1).max(64) });

/** Every route under `base` (and `base` itself) needs a bearer token. @example requireAuthUnder(soundRoutes, "/v1/sounds") */
export function requireAuthUnder(router: OpenAPIHono<AppEnv>, base: string): void {
	router.use(base, requireAuth);
	router.use(`${base}/*`, requireAuth);
}

type Doc = { path: string; tags: string[]; summary: string };

/**
 * `GET base`: the caller's rows newest first, paged with page_token/page_size.
 *
 * @example router.openapi(listRoute({ path: "/v1/sounds", tags, summary: "Your sounds" }, Sound), handler)
 */
export function listRoute<T extends z.ZodType>(doc: Doc, item: T) {
	return createRoute({
		method: "get",
		path: doc.path,
		tags: doc.tags,
		security,
		summary: doc.summary,
		request: { query: pageQuery() },
		responses: { 200: json(pageSchema(item), "A page"), ...errors },
	});
}

/** `GET base/{id}`: one of the caller's rows. @example router.openapi(getRoute(doc, Sound), handler) */
export function getRoute<T extends z.ZodType>(doc: Doc, item: T) {
	return createRoute({
		method: "get",
		path: `${doc.path}/{id}`,
		tags: doc.tags,
		security,
		summary: doc.summary,
		request: { params: IdParam },
		responses: { 200: json(item, "Found"), ...errors },
	});
}

/** `DELETE base/{id}`; `more` documents extra refusals. @example deleteRoute(doc, { 409: { description: "CAMPAIGN_ACTIVE" } }) */
export function deleteRoute<M extends Record<number, { description: string }>>(doc: Doc, more?: M) {
	return createRoute({
		method: "delete",
		path: `${doc.path}/{id}`,
		tags: doc.tags,
		security,
		summary: doc.summary,
		request: { params: IdParam },
		responses: { 204: { description: "Deleted" }, ...(more ?? ({} as M)), ...errors },
	});
}

/**
 * One page of an owner's rows, newest first: decodes `page_token` into the
 * last id seen and asks `fetch` for one row more than the page.
 *
 * @example c.json(await newestFirst(c.req.valid("query"), (n, before) => listSounds(db, me, n, before), soundView), 200)
 */
export async function newestFirst<R extends { id: string }, V>(
	q: { page_token?: string; page_size: number },
	fetch: (limit: number, before: string | undefined) => Promise<R[]>,
	view: (row: R) => V,
) {
	const rows = await fetch(q.page_size + 1, decodePageToken(q.page_token, UUID_CURSOR));
	return pageOf(rows, q.page_size, view);
}

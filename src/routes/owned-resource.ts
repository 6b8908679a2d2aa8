import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { decodePageToken, pageOf, pageQuery, pageSchema, UUID_CURSOR } from "../lib/pagination";
import { requireAuth } from "../middleware/auth";

/*
 * What the voice resources (SIP trunks, sounds, contact lists, campaigns,
 * do-not-call) share: each belongs to one account, is listed newest first by
 * its UUIDv7 id, and is read and deleted by id. Handlers that differ stay
 * inline in each route file; the OpenAPI shapes, the list paging and the
 * plain list/get/delete handlers live here once (`ownedResource`).
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

type Db = AppEnv["Variables"]["db"];

/**
 * One owner-scoped resource mounted on `router` under `path`: requires a
 * bearer token there and registers its plain list, get and delete routes,
 * each loading only the caller's rows (someone else's id is a 404, as
 * `load` throws NOT_FOUND for it). Call the methods in the order the routes
 * should appear in the OpenAPI document.
 *
 * @example
 * const sounds = ownedResource(soundRoutes, { path: "/v1/sounds", tags: ["voice: sounds"] });
 * sounds.list("Your sounds, newest first", Sound, listSounds, soundView);
 * sounds.get("One sound", Sound, getOwnedSound, soundView);
 * sounds.delete("Delete a sound", getOwnedSound, (sound, env, db) => deleteSound(env, db, sound));
 */
export function ownedResource(router: OpenAPIHono<AppEnv>, { path, tags }: { path: string; tags: string[] }) {
	requireAuthUnder(router, path);
	const doc = (summary: string): Doc => ({ path, tags, summary });
	return {
		/** `GET path`: the caller's rows newest first, each shown through `view`. */
		list<R extends { id: string }>(
			summary: string,
			item: z.ZodType,
			fetch: (db: Db, ownerId: string, limit: number, before?: string) => Promise<R[]>,
			view: (row: R) => unknown,
		): void {
			router.openapi(listRoute(doc(summary), item), async (c) =>
				c.json(
					await newestFirst(
						c.req.valid("query"),
						(n, before) => fetch(c.var.db, c.var.auth.userId, n, before),
						view,
					),
					200,
				),
			);
		},
		/** `GET path/{id}`: one of the caller's rows, shown through `view`. */
		get<R>(
			summary: string,
			item: z.ZodType,
			load: (db: Db, ownerId: string, id: string) => Promise<R>,
			view: (row: R) => unknown,
		): void {
			router.openapi(getRoute(doc(summary), item), async (c) =>
				c.json(view(await load(c.var.db, c.var.auth.userId, c.req.valid("param").id)), 200),
			);
		},
		/**
		 * `DELETE path/{id}`: loads the caller's row, hands it to `remove`
		 * (which may refuse with an ApiError documented in `more`), then 204.
		 */
		delete<R>(
			summary: string,
			load: (db: Db, ownerId: string, id: string) => Promise<R>,
			remove: (row: R, env: Env, db: Db) => Promise<unknown>,
			more?: Record<number, { description: string }>,
		): void {
			router.openapi(deleteRoute(doc(summary), more), async (c) => {
				const row = await load(c.var.db, c.var.auth.userId, c.req.valid("param").id);
				await remove(row, c.env, c.var.db);
				return c.body(null, 204);
			});
		},
	};
}

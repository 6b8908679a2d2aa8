import { z } from "@hono/zod-openapi";
import { encodePageToken } from "./page-token";

export { decodePageToken, encodePageToken, INT_CURSOR, UUID_CURSOR } from "./page-token";

/**
 * The project's one pagination query: `page_token` (from the previous page)
 * and `page_size`. Lists that also filter `.extend()` it.
 *
 * @example request: { query: pageQuery({ size: 100, max: 1000 }).extend({ outcome: Outcome.optional() }) }
 */
export function pageQuery({ size = 50, max = 100 }: { size?: number; max?: number } = {}) {
	return z.object({
		page_token: z
			.string()
			.min(1)
			.max(200)
			.optional()
			.openapi({ description: "`page_token` of the previous page; leave out for the first page" }),
		page_size: z.coerce.number().int().min(1).max(max).default(size),
	});
}

/**
 * The one page shape: `{items, page_token}`, `page_token` null on the last page.
 *
 * @example 200: json(pageSchema(Trunk), "Trunks")
 */
export function pageSchema<T extends z.ZodType>(item: T) {
	return z.object({
		items: z.array(item),
		page_token: z
			.string()
			.nullable()
			.openapi({ description: "Pass it back for the next page; null on the last" }),
	});
}

/**
 * Builds the page from up to `pageSize + 1` rows (fetch one more than the
 * page so the last page says so, instead of a trailing empty page).
 *
 * @example pageOf(await listTrunks(db, me, q.page_size + 1, before), q.page_size, trunkView)
 */
export function pageOf<R extends { id: string | number }, V>(
	rows: R[],
	pageSize: number,
	view: (row: R) => V,
): { items: V[]; page_token: string | null };
export function pageOf<R, V>(
	rows: R[],
	pageSize: number,
	view: (row: R) => V,
	cursor: (row: R) => string | number,
): { items: V[]; page_token: string | null };
export function pageOf<R, V>(
	rows: R[],
	pageSize: number,
	view: (row: R) => V,
	cursor: (row: R) => string | number = (r) => (r as { id: string | number }).id,
): { items: V[]; page_token: string | null } {
	const page = rows.slice(0, pageSize);
	const last = page.at(-1);
	return {
		items: page.map(view),
		page_token: rows.length > pageSize && last !== undefined ? encodePageToken(cursor(last)) : null,
	};
}

import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

function build(d1: D1Database) {
	return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof build>;

// Building drizzle walks the whole schema; do it once per D1 binding, not per request.
const cache = new WeakMap<D1Database, Db>();

/** @example const db = createDb(env.DB); await db.select().from(users); */
export function createDb(d1: D1Database): Db {
	let db = cache.get(d1);
	if (!db) {
		db = build(d1);
		cache.set(d1, db);
	}
	return db;
}

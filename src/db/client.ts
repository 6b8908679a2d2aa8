import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** @example const db = createDb(env.DB); await db.select().from(users); */
export function createDb(d1: D1Database) {
	return drizzle(d1, { schema });
}

export type Db = ReturnType<typeof createDb>;

import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "../../db/schema";

/**
 * The D1 handle the files area needs: both `c.var.db` and `createDb(env.DB)`
 * fit, so Durable Objects and routes can call in alike.
 */
export type FilesDb = DrizzleD1Database<typeof schema>;

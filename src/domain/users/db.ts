import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "../../db/schema";

/**
 * The drizzle handle as requests carry it (`c.var.db`). Unlike the `Db`
 * returned by createDb it does not promise `$client`, so both fit.
 */
export type Db = DrizzleD1Database<typeof schema>;

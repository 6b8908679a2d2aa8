import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "../../db/schema";

/** The drizzle handle voice modules take: what `c.var.db` is and what `createDb` returns. */
export type VoiceDb = DrizzleD1Database<typeof schema>;

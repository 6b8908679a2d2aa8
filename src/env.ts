import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "./db/schema";
import type { Logger } from "./lib/log";

/** Who made an authenticated request, as proven by the access token. */
export type AuthContext = {
	userId: string;
	role: Role;
	sessionId: string;
};

export type Role = "user" | "operator" | "admin";

/** The Hono environment, typed once: bindings plus request-scoped values set by middleware. */
export type AppEnv = {
	Bindings: Env;
	Variables: {
		requestId: string;
		log: Logger;
		db: DrizzleD1Database<typeof schema>;
		auth: AuthContext;
	};
};

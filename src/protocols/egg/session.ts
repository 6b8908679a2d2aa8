import type { Context } from "hono";
import { sessionFromKey } from "../../domain/auth/session-key";
import type { AppEnv, AuthContext } from "../../env";
import { ApiError } from "../../errors";

/** `/session/$SESSION_ID/…`: the session id in the path stands for the user; a dead one is 401. */
export async function sessionAuth(c: Context<AppEnv>, key: string): Promise<AuthContext> {
	const auth = await sessionFromKey(c.var.db, c.env.JWT_SECRET, key);
	if (!auth) throw new ApiError("UNAUTHENTICATED", "Unknown or expired session id");
	return auth;
}

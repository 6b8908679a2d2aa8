import { type Context, Hono } from "hono";
import { limit } from "../../domain/auth/limits";
import { accountKey, authenticatePassword } from "../../domain/auth/login";
import { startSession } from "../../domain/auth/sessions";
import { resetRateLimit } from "../../domain/rate-limit";
import { deskOf } from "../../domain/support/desk";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { clientMeta } from "../../routes/auth-context";
import { originAllowed } from "../../routes/ws";

/**
 * The support seed's HTTP surface under /compat/support, verbatim (seed 001 §5):
 * `POST /v1/auth/` with `{"user_name", "password"}` answers 200
 * `{"error": null, "result": {"token"}, "id"}`, an empty 403 for wrong
 * credentials and an empty 404 for anything else; and the JSON-RPC socket.
 * `user_name` is a Hatch username or email; the token is a Hatch access token.
 */
export const supportSeedRoutes = new Hono<AppEnv>();

async function readCredentials(req: Request): Promise<{ user_name: string; password: string } | null> {
	try {
		const body = (await req.json()) as Record<string, unknown>;
		const { user_name, password } = body ?? {};
		if (typeof user_name !== "string" || typeof password !== "string" || !user_name || !password) return null;
		if (user_name.length > 320 || password.length > 256) return null;
		return { user_name, password };
	} catch {
		return null;
	}
}

const auth = async (c: Context<AppEnv>) => {
	const creds = await readCredentials(c.req.raw);
	if (!creds) return c.body(null, 404);
	const meta = clientMeta(c);
	const account = accountKey(creds.user_name);
	await limit(c.env.RATE_LIMITER, "loginIp", meta.ip);
	await limit(c.env.RATE_LIMITER, "loginAccount", account);
	let user: Awaited<ReturnType<typeof authenticatePassword>>;
	try {
		user = await authenticatePassword(c.var.db, creds.user_name, creds.password);
	} catch (e) {
		if (e instanceof ApiError && e.code === "INVALID_CREDENTIALS") return c.body(null, 403);
		throw e;
	}
	await resetRateLimit(c.env.RATE_LIMITER, `auth:loginAccount:${account}`);
	const issued = await startSession(c.var.db, c.env, user, meta);
	const id = await deskOf(c.env).customerNumber(user.id);
	c.header("Cache-Control", "no-store");
	return c.json({ error: null, result: { token: issued.accessToken }, id }, 200);
};
// The seed prints the path with its slash; the same handler answers without it.
supportSeedRoutes.post("/compat/support/v1/auth/", auth);
supportSeedRoutes.post("/compat/support/v1/auth", auth);

/** The JSON-RPC socket: no subprotocol; the client signs in with `message.auth` as its first request. */
supportSeedRoutes.get("/compat/support/ws", async (c) => {
	if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
		throw new ApiError("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket upgrades", { status: 426 });
	if (!originAllowed(c.req.header("Origin"), c.env.ALLOWED_ORIGINS))
		throw new ApiError("ORIGIN_NOT_ALLOWED", "This origin may not open a socket", { status: 403 });
	const headers = new Headers({ Upgrade: "websocket", "X-Hatch-Proto": "seed" });
	return deskOf(c.env).fetch(new Request(c.req.url, { headers }));
});

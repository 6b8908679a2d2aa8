import { verifyAccessToken } from "../../domain/auth/access-token";
import { isSessionLive } from "../../domain/auth/sessions";
import { hubOf } from "../../domain/chats/deps";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { originAllowed } from "../../routes/ws";

/** Where the `phoenix` JS client connects: `new Socket(".../compat/phoenix/socket", {params: {token}})`. */
const PATH = "/compat/phoenix/socket/websocket";

/**
 * The Phoenix socket upgrade: the seed's clients pass their auth token as
 * the `token` param (as `phoenix`'s Socket does with `params`) and
 * `vsn=2.0.0`. The token and its session are checked here; the socket then
 * lives in the user's UserHub (durable-objects/user-hub/phoenix-socket.ts).
 */
export const phoenixSocketRoutes = createRouter().get(PATH, async (c) => {
	if (c.req.header("Upgrade")?.toLowerCase() !== "websocket")
		throw new ApiError("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket upgrades", { status: 426 });
	if (!originAllowed(c.req.header("Origin"), c.env.ALLOWED_ORIGINS))
		throw new ApiError("ORIGIN_NOT_ALLOWED", "This origin may not open a socket", { status: 403 });
	const vsn = c.req.query("vsn") ?? "2.0.0";
	if (!vsn.startsWith("2."))
		throw new ApiError("UNSUPPORTED_VSN", "Only the v2 JSON serializer (vsn=2.0.0) is served", {
			status: 400,
		});
	const auth = await verifyAccessToken(c.env, c.req.query("token") ?? "");
	if (!(await isSessionLive(c.var.db, auth.sessionId)))
		throw new ApiError("INVALID_TOKEN", "Session has been signed out");
	const headers = new Headers({
		Upgrade: "websocket",
		"X-Hatch-User": auth.userId,
		"X-Hatch-Session": auth.sessionId,
	});
	const res = await hubOf(c.env, auth.userId).fetch(new Request(`https://hub${PATH}`, { headers }));
	// The hub heard of a revocation of the session since the check above.
	if (res.status === 401) throw new ApiError("INVALID_TOKEN", "Session has been signed out");
	return res as never;
});

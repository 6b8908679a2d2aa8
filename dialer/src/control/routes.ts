/**
 * The control API's HTTP routes on Hono: `GET /health` (open), and behind a
 * Worker-signed JWT `POST /calls`, `GET /calls/:id`, `DELETE /calls/:id`.
 * Bodies are read with the contract's schemas (validate.ts); every error goes
 * through errors.ts. The /events WebSocket is server.ts's (ws).
 */
import type { CallAccepted, DialerHealth } from "@hatch/contract/dialer";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { CallManager } from "../call/manager.ts";
import type { Logger } from "../log.ts";
import type { TokenService } from "./auth.ts";
import { ApiError, errorResponse } from "./errors.ts";
import { validateCall } from "./validate.ts";

/** The largest POST /calls body: an inline sound of 70 MiB, base64. */
const MAX_BODY = 96 * 1024 * 1024;

/** What the routes need from the process. */
export interface ControlDeps {
	manager: CallManager;
	tokens: TokenService;
	log: Logger;
	/** True once SIGTERM started draining: new calls are refused. */
	draining(): boolean;
	/** How the media thread sends RTP, once it has started (for /health). */
	rtpSend?(): "native" | "dgram" | undefined;
	/** The native send clock, when it times RTP ("fifo 10, io_uring"). */
	rtpClock?(): string | undefined;
}

/**
 * The control API as a Hono app.
 * @example const app = controlRoutes(deps); await app.request("/health")
 */
export function controlRoutes(deps: ControlDeps): Hono {
	const { manager, tokens } = deps;
	const app = new Hono();
	app.onError((err) => errorResponse(err, deps.log));
	app.notFound(() =>
		errorResponse(
			new ApiError("NOT_FOUND", "no such route: the control API has /health, /calls, /calls/:id and /events"),
			deps.log,
		),
	);

	app.get("/health", (c) =>
		c.json({
			ok: true,
			active_calls: manager.active,
			capacity: manager.capacity,
			rtp_send: deps.rtpSend?.(),
			rtp_clock: deps.rtpClock?.(),
		} satisfies DialerHealth),
	);
	app.all("/health", () => methodNotAllowed("GET"));

	app.use("/calls", authorized(tokens));
	app.use("/calls/*", authorized(tokens));

	app.post(
		"/calls",
		bodyLimit({
			maxSize: MAX_BODY,
			onError: () => {
				throw new ApiError("BODY_TOO_LARGE", `a call body is at most ${MAX_BODY} bytes`);
			},
		}),
		async (c) => {
			if (!/^application\/json\b/i.test(c.req.header("content-type") ?? ""))
				throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "send the call as Content-Type: application/json");
			const body = await c.req.json().catch(() => {
				throw new ApiError("INVALID_JSON", "the body is not valid JSON");
			});
			const input = validateCall(body);
			if (deps.draining())
				throw new ApiError("SHUTTING_DOWN", "dialer is shutting down: place the call on another");
			const call = await manager.place(input);
			return c.json({ call_id: call.id, state: call.state } satisfies CallAccepted, 201);
		},
	);
	app.all("/calls", () => methodNotAllowed("POST"));

	app.get("/calls/:id", (c) => c.json(known(manager, callIdOf(c.req.url)).view()));
	app.delete("/calls/:id", (c) => {
		const id = callIdOf(c.req.url);
		if (!manager.hangup(id)) throw notFound(id);
		return c.json({ call_id: id, state: known(manager, id).state } satisfies CallAccepted, 202);
	});
	app.all("/calls/:id", () => methodNotAllowed("GET or DELETE"));
	return app;
}

/** Only the Worker gets in: a JWT under DIALER_SECRET, iss hatch-worker, aud hatch-dialer. */
function authorized(tokens: TokenService) {
	return createMiddleware(async (c, next) => {
		if (!(await tokens.verify(c.req.header("authorization"))))
			throw new ApiError("UNAUTHORIZED", "send a bearer token signed with DIALER_SECRET (iss hatch-worker)");
		await next();
	});
}

function methodNotAllowed(allowed: string): never {
	throw new ApiError("METHOD_NOT_ALLOWED", `use ${allowed}`);
}

function known(manager: CallManager, id: string) {
	const call = manager.get(id);
	if (!call) throw notFound(id);
	return call;
}

const notFound = (id: string) => new ApiError("CALL_NOT_FOUND", `no call ${id.slice(0, 128)} on this dialer`);

/** The call id from the raw path: a malformed %-escape is a bad id, not a server error. */
function callIdOf(url: string): string {
	const raw = new URL(url).pathname.slice("/calls/".length);
	try {
		return decodeURIComponent(raw);
	} catch {
		throw new ApiError("INVALID_CALL_ID", "the call id is not a valid percent-encoded string");
	}
}

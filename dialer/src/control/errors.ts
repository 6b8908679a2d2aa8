/**
 * One error type for the control API, Hono's: an {@link ApiError} is an
 * HTTPException carrying a stable UPPER_SNAKE code, its status taken from the
 * contract's one map (`dialerErrorStatus`), and every error (thrown by a
 * route, by the call manager, or refusing a WebSocket upgrade) is rendered by
 * {@link errorResponse} as `{error: {code, message, requestId}}`, as the
 * Worker's are. Anything else is logged and becomes a plain 500.
 */
import { randomUUID } from "node:crypto";
import { type DialerErrorBody, dialerErrorStatus } from "@hatch/contract/dialer";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CallError } from "../call/manager.ts";
import type { Logger } from "../log.ts";

/** An API error with a stable code. @example throw new ApiError("CALL_NOT_FOUND", "no call c-1") */
export class ApiError extends HTTPException {
	readonly code: string;
	constructor(code: string, message: string) {
		super(dialerErrorStatus(code) as ContentfulStatusCode, { message });
		this.code = code;
	}
}

/**
 * The response for `err`: ours and the call manager's by their code, Hono's
 * own HTTPExceptions by their status, anything else a logged 500.
 * @example app.onError((err) => errorResponse(err, log))
 */
export function errorResponse(err: unknown, log: Logger): Response {
	const requestId = randomUUID();
	let code = "INTERNAL";
	let message = "internal error";
	if (err instanceof ApiError || err instanceof CallError) ({ code, message } = err);
	else if (err instanceof HTTPException && err.status < 500) {
		code = err.status === 404 ? "NOT_FOUND" : "BAD_REQUEST";
		message = err.message || "bad request";
	} else log.error("control API failed", { requestId, err: (err as Error)?.stack ?? String(err) });
	const body: DialerErrorBody = { error: { code, message, requestId } };
	const status =
		code === "BAD_REQUEST" && err instanceof HTTPException ? err.status : dialerErrorStatus(code);
	return Response.json(body, { status });
}

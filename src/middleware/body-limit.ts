import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** Largest JSON or form body any non-upload endpoint accepts. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

const limit = bodyLimit({
	maxSize: MAX_JSON_BODY_BYTES,
	onError: () => {
		throw new ApiError("PAYLOAD_TOO_LARGE", `Request body exceeds ${MAX_JSON_BODY_BYTES} bytes`);
	},
});

/**
 * Caps JSON and form bodies; uploads (multipart, octet-stream, audio, CSV)
 * are streamed and limited by their own routes.
 */
export const jsonBodyLimit = createMiddleware<AppEnv>(async (c, next) => {
	const type = c.req.header("Content-Type") ?? "";
	if (/^application\/(json|x-www-form-urlencoded)/i.test(type)) return limit(c, next);
	await next();
});

import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** Largest body any endpoint other than an upload accepts, whatever its Content-Type. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The upload endpoints: each streams its body and enforces its own, larger
 * limit while reading (files FILES_MAX_BYTES, sounds 20 MiB, contact lists
 * 32 MiB), so the app-wide cap steps aside for them. A body the JSON
 * validator would parse is capped even here: JSON is always small.
 * `test/app.test.ts` checks this list against the OpenAPI document.
 */
export const UPLOAD_ROUTES: readonly { method: string; path: RegExp }[] = [
	{ method: "POST", path: /^\/v1\/files$/ },
	{ method: "PUT", path: /^\/v1\/files\/uploads\/[^/]+\/parts\/[^/]+$/ },
	{ method: "POST", path: /^\/v1\/sounds$/ },
	{ method: "POST", path: /^\/v1\/contact-lists$/ },
];

// What Hono's validator parses: JSON and its `+json` variants, and forms.
const PARSED_TYPE = /^application\/(([\w.-]+\+)?json|x-www-form-urlencoded)\b|^multipart\//i;

const capped = bodyLimit({
	maxSize: MAX_BODY_BYTES,
	onError: () => {
		throw new ApiError("PAYLOAD_TOO_LARGE", `Request body exceeds ${MAX_BODY_BYTES} bytes`);
	},
});

function isUpload(method: string, path: string, contentType: string): boolean {
	if (PARSED_TYPE.test(contentType) && !/^multipart\//i.test(contentType)) return false;
	return UPLOAD_ROUTES.some((r) => r.method === method && r.path.test(path));
}

/**
 * Caps every request body at {@link MAX_BODY_BYTES} before anything parses
 * it, whatever its Content-Type (from Content-Length when given, else while
 * reading, never buffering more than the cap). Upload routes are left to
 * their own streaming limits.
 *
 * @example app.use("*", requestBodyLimit);
 */
export const requestBodyLimit = createMiddleware<AppEnv>(async (c, next) => {
	if (isUpload(c.req.method, c.req.path, c.req.header("Content-Type") ?? "")) return next();
	return capped(c, next);
});

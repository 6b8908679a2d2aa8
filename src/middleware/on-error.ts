import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../env";
import { ApiError, type ErrorBody } from "../errors";

function fromHttpException(err: HTTPException, contentType: string | undefined): ApiError {
	if (err.status === 415)
		return new ApiError(
			"UNSUPPORTED_MEDIA_TYPE",
			`This endpoint does not take ${contentType ? `Content-Type ${contentType.split(";")[0]}` : "a body without a Content-Type"}: send JSON with Content-Type: application/json, or the type /docs lists for it`,
		);
	if (err.status === 400 && /json/i.test(err.message))
		return new ApiError("INVALID_JSON", "Body is not valid JSON");
	if (err.status === 413) return new ApiError("PAYLOAD_TOO_LARGE", "Request body is too large");
	if (err.status === 401) return new ApiError("UNAUTHENTICATED", err.message || "Authentication required");
	return new ApiError(err.status >= 500 ? "INTERNAL" : "BAD_REQUEST", err.message || "Bad request", {
		status: err.status,
	});
}

/**
 * Renders every error as `{error: {code, message, requestId}}`. Unknown
 * errors are logged with their stack and become a plain 500: internals
 * never reach the client.
 */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
	const requestId = c.var.requestId ?? "unknown";
	let apiError: ApiError;
	if (err instanceof ApiError) apiError = err;
	else if (err instanceof HTTPException) apiError = fromHttpException(err, c.req.header("Content-Type"));
	else {
		c.var.log?.error("unhandled error", { error: String(err), stack: (err as Error)?.stack });
		apiError = new ApiError("INTERNAL", "Internal server error");
	}
	if (apiError.status >= 500 && err instanceof ApiError)
		c.var.log?.error("server error", { code: apiError.code });
	const body: ErrorBody = {
		error: {
			code: apiError.code,
			message: apiError.message,
			requestId,
			...(apiError.details === undefined ? {} : { details: apiError.details }),
		},
	};
	for (const [k, v] of Object.entries(apiError.headers ?? {})) c.header(k, v);
	c.header("X-Request-Id", requestId);
	return c.json(body, apiError.status as ContentfulStatusCode);
};

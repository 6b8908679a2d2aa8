import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { ACCESS_TOKEN_TTL_S } from "../domain/auth/access-token";
import { limit } from "../domain/auth/limits";
import { accountKey, authenticatePassword } from "../domain/auth/login";
import { hubSockets, onRefreshReuse } from "../domain/auth/revocation";
import { type IssuedTokens, rotateRefreshToken, startSession } from "../domain/auth/sessions";
import { resetRateLimit } from "../domain/rate-limit";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { clientMeta, warnOnReuse } from "./auth-context";

/** RFC 6749 §5.2 error codes this endpoint uses. */
type OAuthErrorCode =
	| "invalid_request"
	| "invalid_grant"
	| "unsupported_grant_type"
	| "invalid_client"
	| "temporarily_unavailable";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

function oauthError(
	c: Context<AppEnv>,
	error: OAuthErrorCode,
	description: string,
	status: 400 | 429 = 400,
	extra: Record<string, string> = {},
) {
	return c.json({ error, error_description: description }, status, { ...NO_STORE, ...extra });
}

const TokenRequest = z
	.object({
		grant_type: z
			.string()
			.max(64)
			.openapi({ example: "password", description: "`password` or `refresh_token`" }),
		username: z.string().max(320).optional().openapi({ description: "Email or username (password grant)" }),
		password: z.string().max(256).optional(),
		refresh_token: z.string().max(200).optional(),
		scope: z
			.string()
			.max(256)
			.optional()
			.openapi({ description: "Accepted and ignored: tokens carry the user's role" }),
		client_id: z.string().max(128).optional(),
	})
	.openapi("OAuthTokenRequest");

const OAuthToken = z
	.object({
		access_token: z.string(),
		token_type: z.literal("Bearer"),
		expires_in: z.number().int(),
		refresh_token: z.string(),
	})
	.openapi("OAuthTokenResponse");

const OAuthError = z
	.object({ error: z.string(), error_description: z.string().optional() })
	.openapi("OAuthError");

/** RFC 6749 §3.2: the request is form-encoded; anything else is an invalid_request, in RFC form. */
const formOnly = createMiddleware<AppEnv>(async (c, next) => {
	if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header("Content-Type") ?? ""))
		return oauthError(c, "invalid_request", "Send application/x-www-form-urlencoded");
	await next();
});

const token = createRoute({
	method: "post",
	path: "/oauth/token",
	tags: ["auth"],
	middleware: [formOnly],
	summary: "OAuth 2.0 token endpoint (RFC 6749): password and refresh_token grants",
	description:
		"Form-encoded. Answers are RFC 6749 §5.1 / §5.2 JSON with `Cache-Control: no-store`. Public client: no client authentication.",
	request: {
		body: { required: true, content: { "application/x-www-form-urlencoded": { schema: TokenRequest } } },
	},
	responses: {
		200: { description: "Tokens", content: { "application/json": { schema: OAuthToken } } },
		400: { description: "RFC 6749 error", content: { "application/json": { schema: OAuthError } } },
		429: { description: "Rate limited", content: { "application/json": { schema: OAuthError } } },
	},
});

export const oauthRoutes = new OpenAPIHono<AppEnv>({
	// Validation failures answer in RFC 6749 form, not the house error body.
	defaultHook: (result, c) => {
		if (!result.success) return oauthError(c, "invalid_request", "Missing or malformed parameters");
	},
}).openapi(token, async (c) => {
	const body = c.req.valid("form");
	const meta = clientMeta(c);
	let issued: IssuedTokens;
	try {
		await limit(c.env.RATE_LIMITER, "tokenIp", meta.ip);
		if (body.grant_type === "password") {
			if (!body.username || !body.password)
				return oauthError(c, "invalid_request", "username and password are required");
			const account = accountKey(body.username);
			await limit(c.env.RATE_LIMITER, "loginIp", meta.ip);
			await limit(c.env.RATE_LIMITER, "loginAccount", account);
			const user = await authenticatePassword(c.var.db, body.username, body.password);
			await resetRateLimit(c.env.RATE_LIMITER, `auth:loginAccount:${account}`);
			issued = await startSession(c.var.db, c.env, user, meta);
		} else if (body.grant_type === "refresh_token") {
			if (!body.refresh_token) return oauthError(c, "invalid_request", "refresh_token is required");
			issued = await rotateRefreshToken(
				c.var.db,
				c.env,
				body.refresh_token,
				onRefreshReuse(c.var.db, hubSockets(c.env)),
			).catch(warnOnReuse(c.var.log, meta.ip));
		} else {
			return oauthError(c, "unsupported_grant_type", "Supported: password, refresh_token");
		}
	} catch (err) {
		if (!(err instanceof ApiError)) throw err;
		if (err.code === "RATE_LIMITED")
			return oauthError(c, "temporarily_unavailable", "Too many requests", 429, err.headers ?? {});
		if (["INVALID_CREDENTIALS", "INVALID_REFRESH_TOKEN", "REFRESH_TOKEN_REUSED"].includes(err.code))
			return oauthError(c, "invalid_grant", err.message);
		throw err;
	}
	return c.json(
		{
			access_token: issued.accessToken,
			token_type: "Bearer" as const,
			expires_in: ACCESS_TOKEN_TTL_S,
			refresh_token: issued.refreshToken,
		},
		200,
		NO_STORE,
	);
});

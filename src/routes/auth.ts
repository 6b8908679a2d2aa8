import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import {
	confirmRegistration,
	requestPasswordReset,
	requestRegistration,
	resetPassword,
} from "../domain/auth/email-flows";
import { limit } from "../domain/auth/limits";
import { accountKey, authenticatePassword } from "../domain/auth/login";
import { endSessions, hubSockets, onRefreshReuse } from "../domain/auth/revocation";
import { rotateRefreshToken, startSession } from "../domain/auth/sessions";
import { resetRateLimit } from "../domain/rate-limit";
import { getUser, normalizeEmail } from "../domain/users/users";
import { toMeView } from "../domain/users/views";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import { clientMeta, inBackground, mailDeps, warnOnReuse } from "./auth-context";
import {
	Accepted,
	bearer,
	Email,
	errorContent,
	NewPassword,
	Password,
	TokenResponse,
	tokenBody,
} from "./auth-schemas";

const json = <T extends z.ZodType>(schema: T) => ({
	required: true,
	content: { "application/json": { schema } },
});
const tokens = { description: "Signed in", content: { "application/json": { schema: TokenResponse } } };
const accepted = { description: "Accepted", content: { "application/json": { schema: Accepted } } };
const tags = ["auth"];

const register = createRoute({
	method: "post",
	path: "/v1/auth/register",
	tags,
	summary: "Start an email + password registration",
	description:
		"Always answers 202, whether or not the address is registered (no enumeration). A new address receives a confirmation token; confirming it creates the account and signs in. A registered address receives a notice instead. Any `role` field is refused.",
	request: {
		body: json(
			z
				.strictObject({
					email: Email,
					password: NewPassword,
					display_name: ShortName(64).optional(),
				})
				.openapi("RegisterRequest"),
		),
	},
	responses: {
		202: accepted,
		400: errorContent("Invalid input or weak password (WEAK_PASSWORD)"),
		429: errorContent("Rate limited"),
	},
});

const confirm = createRoute({
	method: "post",
	path: "/v1/auth/register/confirm",
	tags,
	summary: "Confirm the email of a registration; creates the account and signs in",
	request: { body: json(z.strictObject({ token: z.string().min(10).max(200) }).openapi("TokenRequest")) },
	responses: {
		201: tokens,
		400: errorContent("Token invalid, expired or used (INVALID_EMAIL_TOKEN)"),
		409: errorContent("Address registered meanwhile (EMAIL_TAKEN)"),
	},
});

const login = createRoute({
	method: "post",
	path: "/v1/auth/login",
	tags,
	summary: "Sign in with email (or username) and password",
	request: {
		body: json(
			z.strictObject({ email: z.string().min(1).max(320), password: Password }).openapi("LoginRequest"),
		),
	},
	responses: {
		200: tokens,
		401: errorContent("Wrong email or password (INVALID_CREDENTIALS)"),
		429: errorContent("Rate limited"),
	},
});

const refresh = createRoute({
	method: "post",
	path: "/v1/auth/refresh",
	tags,
	summary: "Rotate a refresh token for a new token pair",
	description: "The presented refresh token stops working. Presenting it again revokes the whole session.",
	request: {
		body: json(z.strictObject({ refresh_token: z.string().min(10).max(200) }).openapi("RefreshRequest")),
	},
	responses: {
		200: tokens,
		401: errorContent("INVALID_REFRESH_TOKEN or REFRESH_TOKEN_REUSED"),
	},
});

const logout = createRoute({
	method: "post",
	path: "/v1/auth/logout",
	tags,
	summary: "Sign out this session (its refresh and access tokens stop working)",
	security: bearer,
	middleware: [requireAuth],
	responses: { 204: { description: "Signed out" }, 401: errorContent("Not signed in") },
});

const forgot = createRoute({
	method: "post",
	path: "/v1/auth/password/forgot",
	tags,
	summary: "Email a password reset token",
	description: "Always 202, registered address or not.",
	request: { body: json(z.strictObject({ email: Email }).openapi("ForgotPasswordRequest")) },
	responses: { 202: accepted, 400: errorContent("Invalid input"), 429: errorContent("Rate limited") },
});

const reset = createRoute({
	method: "post",
	path: "/v1/auth/password/reset",
	tags,
	summary: "Set a new password with a reset token; signs out every session",
	request: {
		body: json(
			z
				.strictObject({ token: z.string().min(10).max(200), new_password: NewPassword })
				.openapi("ResetPasswordRequest"),
		),
	},
	responses: {
		204: { description: "Password changed" },
		400: errorContent("INVALID_EMAIL_TOKEN or WEAK_PASSWORD"),
	},
});

export const authRoutes = createRouter()
	.openapi(register, async (c) => {
		const body = c.req.valid("json");
		const { ip } = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "registerIp", ip);
		await limit(c.env.RATE_LIMITER, "registerAccount", normalizeEmail(body.email));
		const later = await requestRegistration(mailDeps(c), {
			email: body.email,
			password: body.password,
			displayName: body.display_name,
		});
		inBackground(c, later);
		return c.json(
			{
				status: "accepted" as const,
				message: "Check your email to confirm your address and finish signing up.",
			},
			202,
		);
	})
	.openapi(confirm, async (c) => {
		const user = await confirmRegistration(c.var.db, c.req.valid("json").token);
		const issued = await startSession(c.var.db, c.env, user, clientMeta(c));
		c.header("Cache-Control", "no-store");
		return c.json(tokenBody(issued, toMeView(user)), 201);
	})
	.openapi(login, async (c) => {
		const body = c.req.valid("json");
		const meta = clientMeta(c);
		const account = accountKey(body.email);
		await limit(c.env.RATE_LIMITER, "loginIp", meta.ip);
		await limit(c.env.RATE_LIMITER, "loginAccount", account);
		const user = await authenticatePassword(c.var.db, body.email, body.password);
		await resetRateLimit(c.env.RATE_LIMITER, `auth:loginAccount:${account}`);
		const issued = await startSession(c.var.db, c.env, user, meta);
		c.header("Cache-Control", "no-store");
		return c.json(tokenBody(issued, toMeView(user)), 200);
	})
	.openapi(refresh, async (c) => {
		const { ip } = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "tokenIp", ip);
		const issued = await rotateRefreshToken(
			c.var.db,
			c.env,
			c.req.valid("json").refresh_token,
			onRefreshReuse(c.var.db, hubSockets(c.env)),
		).catch(warnOnReuse(c.var.log, ip));
		const user = await getUser(c.var.db, issued.userId);
		c.header("Cache-Control", "no-store");
		return c.json(tokenBody(issued, toMeView(user)), 200);
	})
	.openapi(logout, async (c) => {
		const { userId, sessionId } = c.var.auth;
		await endSessions(c.var.db, hubSockets(c.env), { reason: "logout", userId, sessionId });
		return c.body(null, 204);
	})
	.openapi(forgot, async (c) => {
		const { email } = c.req.valid("json");
		await limit(c.env.RATE_LIMITER, "emailRequestIp", clientMeta(c).ip);
		await limit(c.env.RATE_LIMITER, "emailRequestAccount", normalizeEmail(email));
		inBackground(c, await requestPasswordReset(mailDeps(c), email));
		return c.json(
			{ status: "accepted" as const, message: "If the address has an account, a reset link is on its way." },
			202,
		);
	})
	.openapi(reset, async (c) => {
		const body = c.req.valid("json");
		await limit(c.env.RATE_LIMITER, "tokenIp", clientMeta(c).ip);
		await resetPassword(c.var.db, body.token, body.new_password, hubSockets(c.env));
		return c.body(null, 204);
	});

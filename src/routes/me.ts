import { ShortName } from "@hatch/contract/names";
import { createRoute, z } from "@hono/zod-openapi";
import { changeEmail, changePassword, requestEmailChange } from "../domain/auth/email-flows";
import { limit } from "../domain/auth/limits";
import { hubSockets } from "../domain/auth/revocation";
import { startSession } from "../domain/auth/sessions";
import { getUser, updateProfile } from "../domain/users/users";
import { toMeView } from "../domain/users/views";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import { clientMeta, inBackground, mailDeps } from "./auth-context";
import {
	Accepted,
	bearer,
	Email,
	errorContent,
	Gender,
	MeUser,
	NewPassword,
	Password,
	TokenResponse,
	tokenBody,
} from "./auth-schemas";

const tags = ["me"];
const auth = { security: bearer, middleware: [requireAuth] };
const me = { description: "Your account", content: { "application/json": { schema: MeUser } } };
const json = <T extends z.ZodType>(schema: T) => ({
	required: true,
	content: { "application/json": { schema } },
});

/** Recents are app paths ("/chat/…"), a bounded most-recent-first list. */
export const MAX_RECENTS = 20;

const ProfilePatch = z
	.strictObject({
		display_name: ShortName(64),
		first_name: ShortName(64).nullable(),
		last_name: ShortName(64).nullable(),
		age: z.number().int().min(1).max(150).nullable(),
		gender: Gender.nullable(),
		theme: z.enum(["day", "night"]),
		magnification: z.number().min(0.7).max(1.4),
		recents: z
			.array(z.string().regex(/^\/[^\s]{0,255}$/, "recents are paths starting with /"))
			.max(MAX_RECENTS),
		hidden: z.boolean(),
	})
	.partial()
	.openapi("ProfilePatch", {
		description: "Any subset of the fields. `role`, `email` and others are refused.",
	});

const getMe = createRoute({
	method: "get",
	path: "/v1/me",
	tags,
	summary: "Your account and profile",
	...auth,
	responses: { 200: me, 401: errorContent("Not signed in") },
});

const patchMe = createRoute({
	method: "patch",
	path: "/v1/me",
	tags,
	summary: "Change your profile and preferences",
	...auth,
	request: { body: json(ProfilePatch) },
	responses: { 200: me, 400: errorContent("Invalid input"), 401: errorContent("Not signed in") },
});

const patchPassword = createRoute({
	method: "patch",
	path: "/v1/me/password",
	tags,
	summary: "Change your password (current one required)",
	description: "Revokes every session, then signs this device in again and returns its new tokens.",
	...auth,
	request: {
		body: json(
			z.strictObject({ password: Password, new_password: NewPassword }).openapi("ChangePasswordRequest"),
		),
	},
	responses: {
		200: { description: "Changed", content: { "application/json": { schema: TokenResponse } } },
		400: errorContent("Invalid input or WEAK_PASSWORD"),
		401: errorContent("Current password wrong (INVALID_CREDENTIALS)"),
	},
});

const emailToken = createRoute({
	method: "post",
	path: "/v1/me/email/token",
	tags,
	summary: "Email a change-email token to the new address",
	description:
		"Always 202; if the address belongs to another account its owner is notified and nothing is sent to you.",
	...auth,
	request: { body: json(z.strictObject({ email: Email }).openapi("EmailChangeTokenRequest")) },
	responses: {
		202: { description: "Accepted", content: { "application/json": { schema: Accepted } } },
		400: errorContent("Invalid input"),
	},
});

const patchEmail = createRoute({
	method: "patch",
	path: "/v1/me/email",
	tags,
	summary: "Change your email with the token sent to it and your password",
	...auth,
	request: {
		body: json(
			z
				.strictObject({ token: z.string().min(10).max(200), email: Email, password: Password.optional() })
				.openapi("ChangeEmailRequest"),
		),
	},
	responses: {
		200: me,
		400: errorContent("INVALID_EMAIL_TOKEN"),
		401: errorContent("Password wrong"),
		409: errorContent("EMAIL_TAKEN"),
	},
});

export const meRoutes = createRouter()
	.openapi(getMe, async (c) => c.json(toMeView(await getUser(c.var.db, c.var.auth.userId)), 200))
	.openapi(patchMe, async (c) => {
		const b = c.req.valid("json");
		const row = await updateProfile(c.var.db, c.var.auth.userId, {
			displayName: b.display_name,
			firstName: b.first_name,
			lastName: b.last_name,
			age: b.age,
			gender: b.gender,
			theme: b.theme,
			textScale: b.magnification,
			recents: b.recents ? [...new Set(b.recents)] : undefined,
			hidden: b.hidden,
		});
		return c.json(toMeView(row), 200);
	})
	.openapi(patchPassword, async (c) => {
		const b = c.req.valid("json");
		await limit(c.env.RATE_LIMITER, "loginAccount", `user:${c.var.auth.userId}`);
		const user = await getUser(c.var.db, c.var.auth.userId);
		await changePassword(c.var.db, user, b.password, b.new_password, hubSockets(c.env));
		const issued = await startSession(c.var.db, c.env, user, clientMeta(c));
		c.header("Cache-Control", "no-store");
		return c.json(tokenBody(issued, toMeView(await getUser(c.var.db, user.id))), 200);
	})
	.openapi(emailToken, async (c) => {
		await limit(c.env.RATE_LIMITER, "emailRequestAccount", `user:${c.var.auth.userId}`);
		const user = await getUser(c.var.db, c.var.auth.userId);
		inBackground(c, await requestEmailChange(mailDeps(c), user, c.req.valid("json").email));
		return c.json(
			{ status: "accepted" as const, message: "If the address is free, a token is on its way to it." },
			202,
		);
	})
	.openapi(patchEmail, async (c) => {
		await limit(c.env.RATE_LIMITER, "loginAccount", `user:${c.var.auth.userId}`);
		const user = await getUser(c.var.db, c.var.auth.userId);
		return c.json(toMeView(await changeEmail(mailDeps(c), user, c.req.valid("json"))), 200);
	});

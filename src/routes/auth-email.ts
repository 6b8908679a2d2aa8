import { createRoute, z } from "@hono/zod-openapi";
import { checkResetToken, confirmEmail, requestEmailConfirmation } from "../domain/auth/email-confirm";
import { limit } from "../domain/auth/limits";
import { getUser } from "../domain/users/users";
import { toMeView } from "../domain/users/views";
import { createRouter } from "../lib/router";
import { requireAuth } from "../middleware/auth";
import { clientMeta, inBackground, mailDeps } from "./auth-context";
import { Accepted, bearer, errorContent, MeUser } from "./auth-schemas";

const TokenBody = z.strictObject({ token: z.string().min(10).max(200) }).openapi("EmailTokenRequest");
const body = { required: true as const, content: { "application/json": { schema: TokenBody } } };

const confirm = createRoute({
	method: "post",
	path: "/v1/auth/email/confirm",
	tags: ["auth"],
	summary: "Confirm an account's email with the emailed token",
	request: { body },
	responses: {
		200: { description: "Confirmed", content: { "application/json": { schema: MeUser } } },
		400: errorContent("INVALID_EMAIL_TOKEN"),
	},
});

const requestConfirmation = createRoute({
	method: "post",
	path: "/v1/me/email/confirmation",
	tags: ["me"],
	summary: "Email a confirmation token to your unconfirmed address",
	description: "202 in every case; nothing is sent for a confirmed or missing address.",
	security: bearer,
	middleware: [requireAuth],
	responses: {
		202: { description: "Accepted", content: { "application/json": { schema: Accepted } } },
		401: errorContent("Not signed in"),
	},
});

const checkReset = createRoute({
	method: "post",
	path: "/v1/auth/password/reset/check",
	tags: ["auth"],
	summary: "Whose reset token is this? (does not use it up)",
	request: { body },
	responses: {
		200: {
			description: "The token is live",
			content: {
				"application/json": {
					schema: z
						.object({
							user: z.object({ id: z.string(), email: z.string().nullable(), display_name: z.string() }),
						})
						.openapi("ResetTokenOwner"),
				},
			},
		},
		400: errorContent("INVALID_EMAIL_TOKEN"),
	},
});

export const authEmailRoutes = createRouter()
	.openapi(confirm, async (c) => {
		await limit(c.env.RATE_LIMITER, "tokenIp", clientMeta(c).ip);
		return c.json(toMeView(await confirmEmail(c.var.db, c.req.valid("json").token)), 200);
	})
	.openapi(requestConfirmation, async (c) => {
		await limit(c.env.RATE_LIMITER, "emailRequestAccount", `user:${c.var.auth.userId}`);
		const user = await getUser(c.var.db, c.var.auth.userId);
		inBackground(c, await requestEmailConfirmation(mailDeps(c), user));
		return c.json(
			{ status: "accepted" as const, message: "If your address needs confirming, a token is on its way." },
			202,
		);
	})
	.openapi(checkReset, async (c) => {
		await limit(c.env.RATE_LIMITER, "tokenIp", clientMeta(c).ip);
		const user = await checkResetToken(c.var.db, c.req.valid("json").token);
		return c.json({ user: { id: user.id, email: user.email, display_name: user.displayName } }, 200);
	});

import type { Context } from "hono";
import { z } from "zod";
import { createDb } from "../../db/client";
import type { UserRow } from "../../db/schema";
import { checkResetToken, confirmEmail, requestEmailConfirmation } from "../../domain/auth/email-confirm";
import {
	changeEmail,
	changePassword,
	requestEmailChange,
	requestPasswordReset,
	resetPassword,
} from "../../domain/auth/email-flows";
import { limit } from "../../domain/auth/limits";
import { accountKey, authenticatePassword } from "../../domain/auth/login";
import { checkPasswordPolicy, hashPassword } from "../../domain/auth/password";
import { endSessions, hubSockets, onRefreshReuse } from "../../domain/auth/revocation";
import { type IssuedTokens, rotateRefreshToken, startSession } from "../../domain/auth/sessions";
import { messageHistory } from "../../domain/chats/messages";
import { conversationPeers, conversationsOf, privateConversationId } from "../../domain/e2e/conversations";
import { resetRateLimit } from "../../domain/rate-limit";
import {
	createUser,
	findUserByEmail,
	getUser,
	listUsers,
	normalizeEmail,
	updateProfile,
} from "../../domain/users/users";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { requireAuth } from "../../middleware/auth";
import { clientMeta, inBackground, mailDeps, warnOnReuse } from "../../routes/auth-context";
import { conversationView, messageItem, meView, profileView, userView } from "./views";

type C = Context<AppEnv>;
const Email = z.email().max(254);
const Password = z.string().min(1).max(256);
const Token = z.string().min(10).max(200);
const PageSize = z.coerce.number().int().min(1).max(200).optional();

/** Reads and validates the JSON body (VALIDATION_FAILED with the field, as every native route). */
async function body<T extends z.ZodType>(c: C, schema: T): Promise<z.infer<T>> {
	const raw = await c.req.json().catch(() => {
		throw new ApiError("INVALID_JSON", "The body is not JSON");
	});
	return parse(schema, raw);
}

function jsonOf(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		throw new ApiError("INVALID_JSON", "The body is not JSON");
	}
}

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
	const r = schema.safeParse(raw);
	if (r.success) return r.data;
	const issue = r.error.issues[0];
	throw new ApiError("VALIDATION_FAILED", `Invalid request (${issue?.path.join(".")}): ${issue?.message}`);
}

/** The seed's sign-in answer: the user with profile, their conversations, the people in them, and tokens. */
async function signedIn(c: C, user: UserRow, tokens: IssuedTokens) {
	const deps = { env: c.env, db: createDb(c.env.DB) };
	c.header("Cache-Control", "no-store");
	return {
		user: meView(user),
		conversations: (await conversationsOf(deps, user.id)).map(conversationView),
		users: (await conversationPeers(deps, user.id)).map(userView),
		auth_token: tokens.accessToken,
		refresh_token: tokens.refreshToken,
	};
}

const NewPasswordPair = {
	new_password: z.string().min(8).max(256),
	new_password_confirmation: z.string().max(256),
};
function matching(p: { new_password: string; new_password_confirmation: string }) {
	if (p.new_password !== p.new_password_confirmation)
		throw new ApiError(
			"PASSWORD_CONFIRMATION_MISMATCH",
			"new_password_confirmation must match new_password",
			{ status: 422 },
		);
}

/**
 * The Phoenix seed's REST API, verbatim under /compat/phoenix: `/auth/*`
 * without a token, `/api/*` with `Authorization: Bearer <auth_token>`.
 * Translation only: every route calls the native auth, users, chats and e2e
 * domain. Errors use the native body `{error: {code, message, requestId}}`.
 */
export const phoenixRestRoutes = createRouter()
	.post("/compat/phoenix/auth/register", async (c) => {
		const p = await body(
			c,
			z.object({
				email: Email,
				password: Password,
				display_name: z.string().trim().min(1).max(64).nullish(), // null, as Ecto casts it, is "not given"
			}),
		);
		const meta = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "registerIp", meta.ip);
		const email = normalizeEmail(p.email);
		checkPasswordPolicy(p.password, email);
		if (await findUserByEmail(c.var.db, email))
			throw new ApiError("EMAIL_TAKEN", "This email already has an account; sign in instead", {
				status: 409,
			});
		// The seed hides nothing behind email confirmation: the account exists at once, unconfirmed.
		const user = await createUser(c.var.db, {
			email,
			emailVerified: false,
			passwordHash: await hashPassword(p.password),
			displayName: p.display_name ?? email,
		});
		inBackground(c, await requestEmailConfirmation(mailDeps(c), user));
		return c.json(await signedIn(c, user, await startSession(c.var.db, c.env, user, meta)), 201);
	})
	.post("/compat/phoenix/auth/login", async (c) => {
		const p = await body(c, z.object({ email: z.string().min(1).max(320), password: Password }));
		const meta = clientMeta(c);
		const account = accountKey(p.email);
		await limit(c.env.RATE_LIMITER, "loginIp", meta.ip);
		await limit(c.env.RATE_LIMITER, "loginAccount", account);
		const user = await authenticatePassword(c.var.db, p.email, p.password);
		await resetRateLimit(c.env.RATE_LIMITER, `auth:loginAccount:${account}`);
		return c.json(await signedIn(c, user, await startSession(c.var.db, c.env, user, meta)), 200);
	})
	.post("/compat/phoenix/auth/refresh", async (c) => {
		const { token } = await body(c, z.object({ token: Token }));
		const { ip } = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "tokenIp", ip);
		const issued = await rotateRefreshToken(
			c.var.db,
			c.env,
			token,
			onRefreshReuse(c.var.db, hubSockets(c.env)),
		).catch(warnOnReuse(c.var.log, ip));
		return c.json(await signedIn(c, await getUser(c.var.db, issued.userId), issued), 200);
	})
	.post("/compat/phoenix/auth/confirm", async (c) => {
		const { token } = await body(c, z.object({ token: Token }));
		await limit(c.env.RATE_LIMITER, "tokenIp", clientMeta(c).ip);
		await confirmEmail(c.var.db, token);
		return c.body(null, 204);
	})
	.post("/compat/phoenix/auth/password/request", async (c) => {
		const { email } = await body(c, z.object({ email: Email }));
		await limit(c.env.RATE_LIMITER, "emailRequestIp", clientMeta(c).ip);
		await limit(c.env.RATE_LIMITER, "emailRequestAccount", normalizeEmail(email));
		inBackground(c, await requestPasswordReset(mailDeps(c), email));
		return c.body(null, 204);
	})
	.post("/compat/phoenix/auth/password/confirm", async (c) => {
		const { token } = await body(c, z.object({ token: Token }));
		await limit(c.env.RATE_LIMITER, "tokenIp", clientMeta(c).ip);
		const user = await checkResetToken(c.var.db, token);
		return c.json({ success: true, user: userView(user) }, 200);
	})
	.post("/compat/phoenix/auth/password/reset", async (c) => {
		const p = await body(c, z.object({ token: Token, password: Password.optional(), ...NewPasswordPair }));
		matching(p);
		await limit(c.env.RATE_LIMITER, "tokenIp", clientMeta(c).ip);
		await resetPassword(c.var.db, p.token, p.new_password, hubSockets(c.env));
		return c.body(null, 204);
	})
	.use("/compat/phoenix/api/*", requireAuth)
	.post("/compat/phoenix/api/signout_all", async (c) => {
		await endSessions(c.var.db, hubSockets(c.env), {
			reason: "sign_out_everywhere",
			userId: c.var.auth.userId,
		});
		return c.body(null, 204);
	})
	.post("/compat/phoenix/api/token/email_confirm", async (c) => {
		inBackground(c, await requestEmailConfirmation(mailDeps(c), await getUser(c.var.db, c.var.auth.userId)));
		return c.body(null, 204);
	})
	.post("/compat/phoenix/api/token/email_change", async (c) => {
		// The seed takes no payload; Hatch mails the change token to the new address, so it
		// needs `{email}` (the address PATCH /api/email will name). Without it: 501.
		const raw = await c.req.text();
		if (raw.trim() === "")
			throw new ApiError(
				"NOT_IMPLEMENTED",
				'Hatch sends the change token to the new address: send {"email": "<new address>"}',
				{ status: 501 },
			);
		const { email } = parse(z.object({ email: Email }), jsonOf(raw));
		await limit(c.env.RATE_LIMITER, "emailRequestAccount", `user:${c.var.auth.userId}`);
		const user = await getUser(c.var.db, c.var.auth.userId);
		inBackground(c, await requestEmailChange(mailDeps(c), user, email));
		return c.body(null, 204);
	})
	.patch("/compat/phoenix/api/password", async (c) => {
		const p = await body(c, z.object({ password: Password, ...NewPasswordPair }));
		matching(p);
		const user = await getUser(c.var.db, c.var.auth.userId);
		await changePassword(c.var.db, user, p.password, p.new_password, hubSockets(c.env));
		return c.body(null, 204);
	})
	.patch("/compat/phoenix/api/email", async (c) => {
		const p = await body(c, z.object({ token: Token, email: Email, password: Password }));
		await changeEmail(mailDeps(c), await getUser(c.var.db, c.var.auth.userId), p);
		return c.body(null, 204);
	})
	.patch("/compat/phoenix/api/profile", async (c) => {
		const p = await body(
			c,
			z.object({
				hidden: z.boolean().optional(),
				theme: z.enum(["day", "night"]).optional(),
				magnification: z.number().min(0.7).max(1.4).optional(),
				recents: z.array(z.string().max(500)).max(50).optional(),
			}),
		);
		const user = await updateProfile(c.var.db, c.var.auth.userId, {
			hidden: p.hidden,
			theme: p.theme,
			textScale: p.magnification,
			recents: p.recents,
		});
		return c.json(profileView(user), 200);
	})
	.get("/compat/phoenix/api/messages", async (c) => {
		const q = parse(
			z.object({
				conversation_id: z.string().min(1).max(64),
				page_token: z.string().max(64).optional(),
				page_size: PageSize,
			}),
			c.req.query(),
		);
		const page = await messageHistory(c.env, c.var.auth.userId, q.conversation_id, {
			page_token: q.page_token,
			page_size: q.page_size,
		});
		return c.json({ items: page.items.map(messageItem), page_token: page.page_token }, 200);
	})
	.get("/compat/phoenix/api/users", async (c) => {
		const q = parse(
			z.object({ page_token: z.string().max(200).optional(), page_size: PageSize }),
			c.req.query(),
		);
		const page = await listUsers(c.var.db, { pageToken: q.page_token, pageSize: q.page_size ?? 50 });
		return c.json({ items: page.items.map(userView), page_token: page.nextPageToken }, 200);
	})
	.get("/compat/phoenix/api/conversations/private/:user_id", async (c) => {
		const peer = parse(z.string().min(1).max(64), c.req.param("user_id"));
		const id = await privateConversationId({ env: c.env, db: createDb(c.env.DB) }, c.var.auth.userId, peer);
		return c.json({ conversation_id: id }, 200);
	});

import type { Context } from "hono";
import { z } from "zod";
import { ACCESS_TOKEN_TTL_S } from "../../domain/auth/access-token";
import { limit } from "../../domain/auth/limits";
import { authenticatePassword } from "../../domain/auth/login";
import { checkPasswordPolicy, hashPassword } from "../../domain/auth/password";
import { startSession } from "../../domain/auth/sessions";
import { listContacts, listLists } from "../../domain/contacts/lists";
import { createUser } from "../../domain/users/users";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { requireAuth } from "../../middleware/auth";
import { clientMeta } from "../../routes/auth-context";
import { reqData } from "./req-data";
import { dialerVoiceRoutes } from "./voice";

type C = Context<AppEnv>;

const Login = z.object({ login: z.string().trim().min(1).max(320), password: z.string().min(1).max(256) });
/** RFC 6749 §4.3 as a form: the seed's "OAuth 2.0 with login/password". */
const OAuthForm = z.object({
	grant_type: z.literal("password"),
	username: z.string().trim().min(1).max(320),
	password: z.string().min(1).max(256),
});
const AddUser = z.object({
	name: z.string().trim().min(1).max(128),
	login: z
		.string()
		.trim()
		.regex(/^[A-Za-z0-9_.]{2,32}$/),
	password: z.string().min(1).max(256),
	comment: z.string().max(1024).optional(),
});

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
	const r = schema.safeParse(raw);
	if (r.success) return r.data;
	const issue = r.error.issues[0];
	throw new ApiError("VALIDATION_FAILED", `${issue?.path.join(".") || "body"}: ${issue?.message}`);
}

async function body(c: C): Promise<{ form: boolean; value: unknown }> {
	const form = /x-www-form-urlencoded|multipart/i.test(c.req.header("Content-Type") ?? "");
	try {
		return { form, value: form ? await c.req.parseBody() : await c.req.json() };
	} catch {
		throw new ApiError("INVALID_JSON", "The body could not be read");
	}
}

/**
 * The auto-dialer seed's API (seeds/002) at /compat/dialer: `/srv1/auth/login`
 * (its JSON login, or an OAuth 2.0 password-grant form), then `Authorization:
 * Bearer <acc_token>` on every other resource. Accounts, contact lists
 * ("abonents") and users are Hatch's own. The authorised resources also take
 * and answer the seed's `req_data` JWT wrapping (./req-data.ts).
 */
export const dialerSeedRoutes = createRouter()
	.use("/srv1/*", async (c, next) => (c.req.path.endsWith("/srv1/auth/login") ? next() : reqData(c, next)))
	.post("/srv1/auth/login", async (c) => {
		const { form, value } = await body(c);
		const cred = form ? parse(OAuthForm, value) : parse(Login, value);
		const login = "login" in cred ? cred.login : cred.username;
		const meta = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "loginIp", meta.ip);
		await limit(c.env.RATE_LIMITER, "loginAccount", login.toLowerCase());
		const user = await authenticatePassword(c.var.db, login, cred.password);
		const issued = await startSession(c.var.db, c.env, user, meta);
		c.header("Cache-Control", "no-store");
		return c.json({
			uid: user.id,
			acc_token: issued.accessToken,
			expired: issued.accessExpiresAt / 1000,
			access_token: issued.accessToken,
			token_type: "bearer",
			expires_in: ACCESS_TOKEN_TTL_S,
			refresh_token: issued.refreshToken,
		});
	})
	.get("/srv1/abon/all", requireAuth, async (c) => {
		// Every contact of the caller's lists, as the seed's Callbase rows (up to 10,000).
		const abons: {
			cid: string;
			list_id: string;
			name: string | null;
			number: string;
			comment: string | null;
		}[] = [];
		for (const list of await listLists(c.var.db, c.var.auth.userId, 100)) {
			for (const r of await listContacts(c.var.db, list.id, 10_000 - abons.length))
				abons.push({
					cid: `${list.id}:${r.id}`,
					list_id: list.id,
					name: r.name,
					number: r.number,
					comment: r.comment,
				});
			if (abons.length >= 10_000) break;
		}
		return c.json({ abons });
	})
	.post("/srv1/admin/adduser", requireAuth, async (c) => {
		if (c.var.auth.role !== "admin") throw new ApiError("FORBIDDEN", "Only an administrator may add users");
		const p = parse(AddUser, (await body(c)).value);
		checkPasswordPolicy(p.password);
		const user = await createUser(c.var.db, {
			username: p.login,
			passwordHash: await hashPassword(p.password),
			displayName: p.name,
		}).catch((err: unknown) => {
			if (/UNIQUE/i.test(String((err as Error)?.cause ?? err)))
				throw new ApiError("LOGIN_TAKEN", "This login exists", { status: 409 });
			throw err;
		});
		return c.json(
			{ uid: user.id, name: user.displayName, login: user.username, comment: p.comment ?? null },
			201,
		);
	})
	.route("/", dialerVoiceRoutes);

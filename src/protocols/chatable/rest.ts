import type { Message } from "@hatch/contract/frames";
import type { Context } from "hono";
import { z } from "zod";
import { createDb } from "../../db/client";
import { limit } from "../../domain/auth/limits";
import { authenticatePassword } from "../../domain/auth/login";
import { checkPasswordPolicy, hashPassword } from "../../domain/auth/password";
import { normalizePhone } from "../../domain/auth/phone";
import { revokeSession, startSession } from "../../domain/auth/sessions";
import { messageHistory } from "../../domain/chats/messages";
import { listChats, resolveUser } from "../../domain/chats/queries";
import { createUser } from "../../domain/users/users";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { createRouter } from "../../lib/router";
import { clientMeta } from "../../routes/auth-context";
import { chatableOnError, PER_PAGE, success } from "./envelope";
import { authFromJwt, tokenView } from "./tokens";
import { usernamesOf } from "./usernames";

type C = Context<AppEnv>;
const chatDeps = (c: C) => ({ env: c.env, db: createDb(c.env.DB) });

export const Username = z
	.string()
	.trim()
	.regex(/^[A-Za-z0-9_.]{2,32}$/, "2-32 letters, digits, _ or .");
const RegisterParams = z.object({
	first_name: z.string().trim().min(1).max(64),
	last_name: z.string().trim().min(1).max(64),
	username: Username,
	password: z.string().min(1).max(256),
	email: z.email().max(254),
	phone: z.string().trim().min(3).max(32),
});
const AuthParams = z.object({
	username: z.string().trim().min(1).max(320),
	password: z.string().min(1).max(256),
});
const Page = z.coerce.number().int().min(1).max(10_000).catch(1);

/** The seed's "params": a JSON body or a form. */
async function params<T extends z.ZodType>(c: C, schema: T): Promise<z.infer<T>> {
	const type = c.req.header("Content-Type") ?? "";
	let raw: unknown;
	try {
		raw = /json/i.test(type) ? await c.req.json() : await c.req.parseBody();
	} catch {
		throw new ApiError("INVALID_JSON", "The body could not be read");
	}
	const r = schema.safeParse(raw);
	if (r.success) return r.data;
	const issue = r.error.issues[0];
	throw new ApiError("VALIDATION_FAILED", `${issue?.path.join(".") || "params"}: ${issue?.message}`);
}

const authed = async (c: C) => {
	const auth = await authFromJwt(c.var.db, c.env.JWT_SECRET, c.req.header("Authorization"));
	c.set("auth", auth);
	return auth;
};

/**
 * The chatable seed's REST API (seeds/004) at /compat/chatable, in its
 * envelope `{status, data, error: {code, errors, message}, page, per_page,
 * current_page}`, on Hatch's accounts and direct chats.
 */
export const chatableRestRoutes = createRouter()
	.post("/api/register", async (c) => {
		const p = await params(c, RegisterParams);
		await limit(c.env.RATE_LIMITER, "registerIp", clientMeta(c).ip);
		const phone = normalizePhone(p.phone, c.env.DEFAULT_PHONE_REGION);
		checkPasswordPolicy(p.password, p.email);
		const user = await createUser(c.var.db, {
			email: p.email,
			username: p.username,
			phone,
			passwordHash: await hashPassword(p.password),
			displayName: `${p.first_name} ${p.last_name}`,
			firstName: p.first_name,
			lastName: p.last_name,
		}).catch((err: unknown) => {
			// The unique email, username and phone columns decide, so a race cannot make two accounts.
			if (/UNIQUE/i.test(String((err as Error)?.cause ?? err)))
				throw new ApiError("NOT_UNIQUE", "Some fileds are not unique", { status: 400 });
			throw err;
		});
		const issued = await startSession(c.var.db, c.env, user, clientMeta(c));
		const token = await tokenView(c.env.JWT_SECRET, issued);
		return success(c, [
			{
				email: user.email,
				first_name: user.firstName,
				last_name: user.lastName,
				phone_number: user.phone,
				token,
				username: user.username,
			},
		]);
	})
	.post("/api/auth_token", async (c) => {
		const p = await params(c, AuthParams);
		const meta = clientMeta(c);
		await limit(c.env.RATE_LIMITER, "loginIp", meta.ip);
		await limit(c.env.RATE_LIMITER, "loginAccount", p.username.toLowerCase());
		const user = await authenticatePassword(c.var.db, p.username, p.password);
		const issued = await startSession(c.var.db, c.env, user, meta);
		return success(c, [await tokenView(c.env.JWT_SECRET, issued)]);
	})
	.delete("/api/auth_token", async (c) => {
		const auth = await authed(c);
		await revokeSession(c.var.db, auth.userId, auth.sessionId, "chatable_logout");
		return success(c, []);
	})
	.get("/api/inbox", async (c) => {
		const auth = await authed(c);
		const page = Page.parse(c.req.query("page"));
		const chats = (await listChats(chatDeps(c), auth.userId)).filter(
			(ch) => ch.kind === "direct" && ch.last_message,
		);
		const slice = chats.slice((page - 1) * PER_PAGE, page * PER_PAGE);
		const names = await usernamesOf(
			c.var.db,
			slice.map((ch) => ch.last_message?.sender_id ?? ""),
		);
		return success(
			c,
			slice.map((ch) => ({
				author_username: names.get(ch.last_message?.sender_id ?? ""),
				created_at: new Date(ch.last_message?.created_at ?? 0).toISOString(),
				latest_message: ch.last_message?.text,
			})),
			page,
		);
	})
	.get("/api/thread/:username", async (c) => {
		const auth = await authed(c);
		const page = Page.parse(c.req.query("page"));
		const peer = await resolveUser(chatDeps(c), c.req.param("username"));
		const chat = (await listChats(chatDeps(c), auth.userId)).find(
			(ch) => ch.kind === "direct" && ch.peer?.id === peer.id,
		);
		if (!chat) return success(c, [], page);
		// Newest first, PER_PAGE a page, as the seed shows.
		let token: string | undefined;
		let items: Message[] = [];
		for (let p = 1; p <= page; p++) {
			const r = (await messageHistory(c.env, auth.userId, chat.id, {
				page_size: PER_PAGE,
				page_token: token,
			})) as {
				items: Message[];
				page_token: string | null;
			};
			items = p === page ? r.items : [];
			if (!r.page_token) break;
			token = r.page_token;
		}
		const names = await usernamesOf(c.var.db, [auth.userId, peer.id]);
		return success(
			c,
			items
				.filter((m) => !m.deleted)
				.map((m) => ({
					author: names.get(m.sender_id),
					created_at: new Date(m.created_at).toISOString(),
					message: m.text,
					message_type: 0,
					recipient: names.get(m.sender_id === peer.id ? auth.userId : peer.id),
				})),
			page,
		);
	});
chatableRestRoutes.onError(chatableOnError);

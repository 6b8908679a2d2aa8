import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { freshIp, lastMessage, tokenIn } from "../auth/helpers";
import { api as rawApi } from "../helpers/http";
import { JsonSocket } from "./json-socket";

/**
 * Conformance of /compat/phoenix with seed 003, written from the document
 * alone (its REST examples: field names and types "are correct") plus the
 * Phoenix channels wire protocol the document points clients to (serializer
 * v2: `[join_ref, ref, topic, event, payload]`, `phx_reply {status, response}`,
 * `heartbeat` on `phoenix`).
 */

const BASE = "/compat/phoenix";
const PASSWORD = "VerySecurePassword1!";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Session = {
	user: { id: string; email: string; display_name: string };
	conversations: unknown[];
	users: unknown[];
	auth_token: string;
	refresh_token: string;
};
type Phx = [string | null, string | null, string, string, Record<string, unknown>];

/** Every request from a fresh client address, so the per-IP auth limits of one test never trip another. */
const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
	rawApi(path, { ...init, headers: { ...freshIp(), ...(init.headers as Record<string, string>) } });

const email = () => `test-${crypto.randomUUID().slice(0, 8)}@example.com`;
const bearer = (s: Session) => ({ Authorization: `Bearer ${s.auth_token}` });

async function register(display_name?: string): Promise<Session & { password: string }> {
	const res = await api(`${BASE}/auth/register`, {
		method: "POST",
		json: { email: email(), password: PASSWORD, ...(display_name ? { display_name } : {}) },
	});
	expect([200, 201]).toContain(res.status);
	return { ...((await res.json()) as Session), password: PASSWORD };
}

/** The token of the newest email to `to` whose body mentions `marker` (other mails may arrive later). */
async function mailedToken(to: string, marker: string): Promise<string> {
	return vi.waitFor(
		async () => {
			const row = await env.DB.prepare(
				"select body from dev_outbox where recipient = ? and body like ? order by id desc limit 1",
			)
				.bind(to, `%${marker}%`)
				.first<{ body: string }>();
			if (!row) throw new Error(`no ${marker} mail to ${to} yet`);
			return tokenIn(row.body);
		},
		{ timeout: 5000, interval: 25 },
	);
}

/** The "same data as /auth/register": every field with the document's types. */
function expectSession(body: unknown, mail: string, displayName: string) {
	expect(body).toEqual({
		user: {
			id: expect.stringMatching(UUID),
			email: mail,
			display_name: displayName,
			hidden: false,
			theme: "day",
			magnification: 1,
			recents: [],
		},
		conversations: [],
		users: expect.any(Array),
		auth_token: expect.any(String),
		refresh_token: expect.any(String),
	});
}

class Phoenix {
	private ref = 0;
	constructor(readonly s: JsonSocket) {}

	static async open(token: string) {
		return new Phoenix(
			await JsonSocket.open(`${BASE}/socket/websocket?token=${encodeURIComponent(token)}&vsn=2.0.0`),
		);
	}

	/** Pushes an event and resolves with its phx_reply `[join_ref, ref, topic, "phx_reply", {status, response}]`. */
	async push(topic: string, event: string, payload: Record<string, unknown>, joinRef: string | null = null) {
		const ref = String(++this.ref);
		const reply = this.s.waitFor<Phx>((f) => Array.isArray(f) && f[1] === ref && f[3] === "phx_reply");
		this.s.send([joinRef, ref, topic, event, payload]);
		const r = await reply;
		expect(r[0]).toBe(joinRef);
		expect(r[2]).toBe(topic);
		return { ref, payload: r[4] as { status: string; response: Record<string, unknown> } };
	}

	async join(topic: string) {
		const joinRef = String(this.ref + 1);
		const r = await this.push(topic, "phx_join", {}, joinRef);
		return { joinRef, ...r.payload };
	}
}

describe("seed 003 conformance: auth REST", () => {
	it("POST /auth/register: the user (display name defaults to the email), conversations, users, tokens", async () => {
		const mail = email();
		const res = await api(`${BASE}/auth/register`, {
			method: "POST",
			json: { email: mail, password: PASSWORD },
		});
		expect([200, 201]).toContain(res.status);
		expectSession(await res.json(), mail, mail);

		const named = email();
		const res2 = await api(`${BASE}/auth/register`, {
			method: "POST",
			json: { email: named, password: PASSWORD, display_name: "My Cool Name" },
		});
		expectSession(await res2.json(), named, "My Cool Name");
	});

	it("POST /auth/login and /auth/refresh return the same data; a refresh token works once", async () => {
		const mail = email();
		await api(`${BASE}/auth/register`, { method: "POST", json: { email: mail, password: PASSWORD } });
		const login = await api(`${BASE}/auth/login`, {
			method: "POST",
			json: { email: mail, password: PASSWORD },
		});
		expect(login.status).toBe(200);
		const session = (await login.json()) as Session;
		expectSession(session, mail, mail);

		const refreshed = await api(`${BASE}/auth/refresh`, {
			method: "POST",
			json: { token: session.refresh_token },
		});
		expect(refreshed.status).toBe(200);
		const next = (await refreshed.json()) as Session;
		expectSession(next, mail, mail);
		expect(next.refresh_token).not.toBe(session.refresh_token);

		const bad = await api(`${BASE}/auth/login`, { method: "POST", json: { email: mail, password: "wrong" } });
		expect(bad.status).toBeGreaterThanOrEqual(400);
		expect(bad.status).toBeLessThan(500);
	});

	it("POST /auth/password/request: 204 for a known address", async () => {
		const s = await register();
		const res = await api(`${BASE}/auth/password/request`, { method: "POST", json: { email: s.user.email } });
		expect(res.status).toBe(204);
		expect(await res.text()).toBe("");
	});
});

describe("seed 003 conformance: password reset", () => {
	it("request → /auth/password/confirm {success, user} → /auth/password/reset 204 → the new password works", async () => {
		const s = await register();
		const req = await api(`${BASE}/auth/password/request`, { method: "POST", json: { email: s.user.email } });
		expect(req.status).toBe(204);
		const token = await mailedToken(s.user.email, "reset-password");
		const confirm = await api(`${BASE}/auth/password/confirm`, { method: "POST", json: { token } });
		expect(confirm.status).toBe(200);
		expect(await confirm.json()).toEqual({
			success: true,
			user: { id: s.user.id, email: s.user.email, display_name: s.user.display_name },
		});
		const reset = await api(`${BASE}/auth/password/reset`, {
			method: "POST",
			json: {
				token,
				password: PASSWORD,
				new_password: "VerySecurePassword2!",
				new_password_confirmation: "VerySecurePassword2!",
			},
		});
		expect(reset.status).toBe(204);
		expect(await reset.text()).toBe("");
		const old = await api(`${BASE}/auth/refresh`, { method: "POST", json: { token: s.refresh_token } });
		expect(old.status).toBeGreaterThanOrEqual(400);
		const login = await api(`${BASE}/auth/login`, {
			method: "POST",
			json: { email: s.user.email, password: "VerySecurePassword2!" },
		});
		expect(login.status).toBe(200);
	});
});

describe("seed 003 conformance: /api endpoints", () => {
	it("require Authorization: Bearer <token>", async () => {
		for (const [method, path] of [
			["POST", "/api/signout_all"],
			["PATCH", "/api/profile"],
			["GET", "/api/users"],
		]) {
			const res = await api(`${BASE}${path}`, { method });
			expect(res.status, path).toBe(401);
		}
	});

	it("POST /api/token/email_confirm: 204 with no data; POST /auth/confirm {token}: 204 with no content", async () => {
		const s = await register();
		const res = await api(`${BASE}/api/token/email_confirm`, { method: "POST", headers: bearer(s) });
		expect(res.status).toBe(204);
		expect(await res.text()).toBe("");
		const token = await mailedToken(s.user.email, "onfirm");
		const confirmed = await api(`${BASE}/auth/confirm`, { method: "POST", json: { token } });
		expect(confirmed.status).toBe(204);
		expect(await confirmed.text()).toBe("");
		const again = await api(`${BASE}/auth/confirm`, { method: "POST", json: { token } });
		expect(again.status).toBeGreaterThanOrEqual(400);
		expect(again.status).toBeLessThan(500);
	});

	it("POST /api/token/email_change {email} then PATCH /api/email {token, email, password}: 204 each", async () => {
		// Documented choice (README): the token goes to the new address, so the request names it;
		// the document's payload-less form is a 501 with that explanation.
		const s = await register();
		const bare = await api(`${BASE}/api/token/email_change`, { method: "POST", headers: bearer(s) });
		expect(bare.status).toBe(501);
		const to = email();
		const res = await api(`${BASE}/api/token/email_change`, {
			method: "POST",
			headers: bearer(s),
			json: { email: to },
		});
		expect(res.status).toBe(204);
		expect(await res.text()).toBe("");
		const token = tokenIn((await lastMessage(to)).body);
		const changed = await api(`${BASE}/api/email`, {
			method: "PATCH",
			headers: bearer(s),
			json: { token, email: to, password: PASSWORD },
		});
		expect(changed.status).toBe(204);
		expect(await changed.text()).toBe("");
		const login = await api(`${BASE}/auth/login`, {
			method: "POST",
			json: { email: to, password: PASSWORD },
		});
		expect(login.status).toBe(200);
	});

	it("PATCH /api/profile returns the four settings exactly", async () => {
		const s = await register();
		const settings = {
			hidden: true,
			theme: "night",
			magnification: 1.2,
			recents: ["/chat/1787a16a-e6a3-4a22-bfdc-0f0ac7253ad5"],
		};
		const res = await api(`${BASE}/api/profile`, { method: "PATCH", headers: bearer(s), json: settings });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(settings);
		const partial = await api(`${BASE}/api/profile`, {
			method: "PATCH",
			headers: bearer(s),
			json: { theme: "day" },
		});
		expect(await partial.json()).toEqual({ ...settings, theme: "day" });
		const out = await api(`${BASE}/api/profile`, {
			method: "PATCH",
			headers: bearer(s),
			json: { magnification: 2.0 },
		});
		expect(out.status).toBeGreaterThanOrEqual(400);
		expect(out.status).toBeLessThan(500);
	});

	it("PATCH /api/password: 204, and the old refresh tokens are revoked", async () => {
		const s = await register();
		const res = await api(`${BASE}/api/password`, {
			method: "PATCH",
			headers: bearer(s),
			json: {
				password: PASSWORD,
				new_password: "VerySecurePassword2!",
				new_password_confirmation: "VerySecurePassword2!",
			},
		});
		expect(res.status).toBe(204);
		const refreshed = await api(`${BASE}/auth/refresh`, { method: "POST", json: { token: s.refresh_token } });
		expect(refreshed.status).toBeGreaterThanOrEqual(400);
		const login = await api(`${BASE}/auth/login`, {
			method: "POST",
			json: { email: s.user.email, password: "VerySecurePassword2!" },
		});
		expect(login.status).toBe(200);
	});

	it("PATCH /api/password refuses a confirmation that does not match", async () => {
		const s = await register();
		const res = await api(`${BASE}/api/password`, {
			method: "PATCH",
			headers: bearer(s),
			json: {
				password: PASSWORD,
				new_password: "VerySecurePassword2!",
				new_password_confirmation: "Different2!x",
			},
		});
		expect(res.status).toBeGreaterThanOrEqual(400);
		expect(res.status).toBeLessThan(500);
	});

	it("POST /api/signout_all: 204 with no data; refresh tokens no longer work", async () => {
		const s = await register();
		const res = await api(`${BASE}/api/signout_all`, { method: "POST", headers: bearer(s) });
		expect(res.status).toBe(204);
		expect(await res.text()).toBe("");
		const refreshed = await api(`${BASE}/auth/refresh`, { method: "POST", json: { token: s.refresh_token } });
		expect(refreshed.status).toBeGreaterThanOrEqual(400);
	});

	it("GET /api/users: {items: [{id, email, display_name}], page_token}", async () => {
		const s = await register("Lister");
		const res = await api(`${BASE}/api/users?page_size=2`, { headers: bearer(s) });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { items: Record<string, unknown>[]; page_token: string | null };
		expect(Object.keys(body).sort()).toEqual(["items", "page_token"]);
		expect(body.items.length).toBeGreaterThan(0);
		expect(body.items.length).toBeLessThanOrEqual(2);
		for (const u of body.items) expect(Object.keys(u).sort()).toEqual(["display_name", "email", "id"]);
		expect(body.page_token === null || typeof body.page_token === "string").toBe(true);
	});

	it("GET /api/conversations/private/:user_id: {conversation_id: null} when there is none", async () => {
		const a = await register();
		const b = await register();
		const res = await api(`${BASE}/api/conversations/private/${b.user.id}`, { headers: bearer(a) });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ conversation_id: null });
	});
});

describe("seed 003 conformance: the Phoenix socket (serializer v2)", () => {
	it("refuses a bad token at the upgrade", async () => {
		const res = await JsonSocket.upgrade(`${BASE}/socket/websocket?token=nope&vsn=2.0.0`);
		expect(res.status).not.toBe(101);
		expect([401, 403]).toContain(res.status);
	});

	it("heartbeat on topic phoenix: [null, ref, 'phoenix', 'phx_reply', {status: 'ok', response: {}}]", async () => {
		const a = await register();
		const p = await Phoenix.open(a.auth_token);
		const r = await p.push("phoenix", "heartbeat", {});
		expect(r.payload).toEqual({ status: "ok", response: {} });
		p.s.close();
	});

	it("joins system:general and user:{own id}; refuses another user's topic and unknown topics", async () => {
		const a = await register();
		const b = await register();
		const p = await Phoenix.open(a.auth_token);
		expect((await p.join("system:general")).status).toBe("ok");
		const own = await p.join(`user:${a.user.id}`);
		expect(own).toMatchObject({ status: "ok", response: {} });
		expect(await p.join(`user:${b.user.id}`)).toMatchObject({
			status: "error",
			response: { reason: "unauthorized" },
		});
		expect(await p.join("nonsense:topic")).toMatchObject({
			status: "error",
			response: { reason: "unmatched topic" },
		});
		p.s.close();
	});

	it("a private conversation: create, join, send per-recipient copies, receive message:new, page /api/messages", async () => {
		const a = await register("Alice");
		const b = await register("Bob");
		const pa = await Phoenix.open(a.auth_token);
		const pb = await Phoenix.open(b.auth_token);
		const ja = await pa.join(`user:${a.user.id}`);
		await pb.join(`user:${b.user.id}`);
		// Both publish a key before any message (the document: keys are generated by the clients).
		for (const [p, j, s] of [
			[pa, ja.joinRef, a],
			[pb, null, b],
		] as const) {
			const jr = j ?? String(1);
			const k = await p.push(`user:${s.user.id}`, "key:set", { public_key: `pk-${s.user.id}` }, jr);
			expect(k.payload.status).toBe("ok");
		}
		const created = await pa.push(
			`user:${a.user.id}`,
			"conversation:create",
			{ private: true, user_ids: [b.user.id] },
			ja.joinRef,
		);
		expect(created.payload.status).toBe("ok");
		const conv = created.payload.response.conversation as Record<string, unknown>;
		expect(conv).toMatchObject({ id: expect.stringMatching(UUID), private: true, alias: null });
		expect(conv.inserted_at).toMatch(ISO);
		expect(conv.updated_at).toMatch(ISO);
		const convId = conv.id as string;

		const found = await api(`${BASE}/api/conversations/private/${b.user.id}`, { headers: bearer(a) });
		expect(await found.json()).toEqual({ conversation_id: convId });

		// Login now lists the conversation and the other member, with the document's fields.
		const relog = (await (
			await api(`${BASE}/auth/login`, { method: "POST", json: { email: a.user.email, password: PASSWORD } })
		).json()) as Session;
		expect(relog.conversations).toEqual([conv]);
		expect(Object.keys(conv).sort()).toEqual(["alias", "id", "inserted_at", "private", "updated_at"]);
		expect(relog.users).toContainEqual({ id: b.user.id, email: b.user.email, display_name: "Bob" });
		for (const u of relog.users)
			expect(Object.keys(u as object).sort()).toEqual(["display_name", "email", "id"]);

		const topic = `conversation:${convId}`;
		const jca = await pa.join(topic);
		expect(jca.status).toBe("ok");
		const jcb = await pb.join(topic);
		expect(jcb.status).toBe("ok");

		const sent = await pa.push(
			topic,
			"message:send",
			{
				messages: [
					{ recipient: a.user.id, content: "cipher-for-alice" },
					{ recipient: b.user.id, content: "cipher-for-bob" },
				],
			},
			jca.joinRef,
		);
		expect(sent.payload.status).toBe("ok");

		// A server push: [join_ref (that channel's or null), null, topic, "message:new", item].
		const pushed = await pb.s.waitFor<Phx>((f) => Array.isArray(f) && f[3] === "message:new");
		expect(pushed[1]).toBeNull();
		expect([null, jcb.joinRef]).toContain(pushed[0]);
		expect(pushed[2]).toBe(topic);
		expect(pushed[4]).toEqual({
			id: expect.stringMatching(UUID),
			sender: a.user.id,
			content: "cipher-for-bob",
			inserted_at: expect.stringMatching(ISO),
			updated_at: expect.stringMatching(ISO),
			message_group: expect.stringMatching(UUID),
		});

		const page = await api(`${BASE}/api/messages?conversation_id=${convId}`, { headers: bearer(b) });
		expect(page.status).toBe(200);
		expect(await page.json()).toEqual({ items: [pushed[4]], page_token: null });

		// A second message, then pages of one: page_token leads to the older one, then null.
		await pa.push(
			topic,
			"message:send",
			{
				messages: [
					{ recipient: a.user.id, content: "second-for-alice" },
					{ recipient: b.user.id, content: "second-for-bob" },
				],
			},
			jca.joinRef,
		);
		const p1 = (await (
			await api(`${BASE}/api/messages?conversation_id=${convId}&page_size=1`, { headers: bearer(b) })
		).json()) as { items: { content: string }[]; page_token: string | null };
		expect(p1.items.map((m) => m.content)).toEqual(["second-for-bob"]);
		expect(typeof p1.page_token).toBe("string");
		const p2 = (await (
			await api(
				`${BASE}/api/messages?conversation_id=${convId}&page_size=1&page_token=${encodeURIComponent(p1.page_token ?? "")}`,
				{ headers: bearer(b) },
			)
		).json()) as { items: { content: string }[]; page_token: string | null };
		expect(p2.items.map((m) => m.content)).toEqual(["cipher-for-bob"]);
		const p3 = p2.page_token
			? ((await (
					await api(
						`${BASE}/api/messages?conversation_id=${convId}&page_size=1&page_token=${encodeURIComponent(p2.page_token)}`,
						{ headers: bearer(b) },
					)
				).json()) as { items: unknown[]; page_token: string | null })
			: { items: [], page_token: null };
		expect(p3).toEqual({ items: [], page_token: null });

		// phx_leave is answered ok, then the channel closes: [join_ref, _, topic, "phx_close", {}].
		const left = await pb.push(topic, "phx_leave", {}, jcb.joinRef);
		expect(left.payload.status).toBe("ok");
		const closed = await pb.s.waitFor<Phx>((f) => Array.isArray(f) && f[3] === "phx_close" && f[2] === topic);
		expect(closed[0]).toBe(jcb.joinRef);
		// Events on a topic no longer joined are refused.
		const after = await pb.push(topic, "typing", {}, jcb.joinRef);
		expect(after.payload).toEqual({ status: "error", response: { reason: "unmatched topic" } });
		pa.s.close();
		pb.s.close();
	});

	it("joining a joined topic again (a client's rejoin) is accepted under the new join_ref", async () => {
		const a = await register();
		const p = await Phoenix.open(a.auth_token);
		const first = await p.join(`user:${a.user.id}`);
		expect(first.status).toBe("ok");
		const second = await p.join(`user:${a.user.id}`);
		expect(second.status).toBe("ok");
		const r = await p.push(`user:${a.user.id}`, "key:get", {}, second.joinRef);
		expect(r.payload.status).not.toBe(undefined);
		expect(r.payload.response).not.toEqual({ reason: "unmatched topic" });
		p.s.close();
	});

	it("display_name null defaults to the email like an absent one", async () => {
		const mail = email();
		const res = await api(`${BASE}/auth/register`, {
			method: "POST",
			json: { email: mail, password: PASSWORD, display_name: null },
		});
		expect([200, 201]).toContain(res.status);
		expectSession(await res.json(), mail, mail);
	});

	it("POST /api/signout_all closes the user's socket", async () => {
		const a = await register();
		const p = await Phoenix.open(a.auth_token);
		await p.push("phoenix", "heartbeat", {});
		await api(`${BASE}/api/signout_all`, { method: "POST", headers: bearer(a) });
		await p.s.waitClosed();
	});
});

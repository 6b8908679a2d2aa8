import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { freshIp, uniquePhone } from "../auth/helpers";
import { api as rawApi } from "../helpers/http";
import { JsonSocket } from "./json-socket";

/**
 * Conformance of /compat/chatable with seed 004, written from the document
 * alone: its envelope `{status, data: [...], error: {code, errors, message},
 * page, per_page, current_page}`, the field names of every example, and the
 * `/api/ws` packets. The document says only "jwt"; the JWT is the one README
 * describes (HS256 under secret_access_key, kid = access_key_id).
 */

const BASE = "/compat/chatable";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const TOKEN_KEYS = [
	"access_key_id",
	"created_at",
	"expires_at",
	"is_refreshable",
	"modified_at",
	"refresh_token",
	"secret_access_key",
];
type Token = { access_key_id: string; secret_access_key: string };
type Envelope = {
	status: string;
	data: Record<string, unknown>[];
	error: { code: number; errors: unknown; message: string };
	page: number;
	per_page: number;
	current_page: number;
};

const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
	rawApi(`${BASE}${path}`, {
		...init,
		headers: { ...freshIp(), ...(init.headers as Record<string, string>) },
	});

let n = 0;
const uname = () => `bob${Date.now().toString(36)}${++n}`;
const params = (username: string) => ({
	first_name: "Bob",
	last_name: "Bobson",
	username,
	password: "violet-harbor-tractor-42",
	email: `${username}@example.com`,
	phone: uniquePhone(),
});

async function jwt(t: Token): Promise<string> {
	return new SignJWT({})
		.setProtectedHeader({ alg: "HS256", kid: t.access_key_id })
		.setIssuedAt()
		.setExpirationTime("5m")
		.sign(new TextEncoder().encode(t.secret_access_key));
}

async function register(username = uname()) {
	const res = await api("/api/register", { method: "POST", json: params(username) });
	expect(res.status).toBe(200);
	const body = (await res.json()) as Envelope;
	return { username, token: body.data[0]?.token as Token };
}

async function authed(path: string, t: Token, init: RequestInit = {}) {
	return api(path, { ...init, headers: { Authorization: `Bearer ${await jwt(t)}` } });
}

function expectSuccess(body: Envelope) {
	expect(body).toMatchObject({
		status: "success",
		error: { code: 200, errors: null, message: "" },
		page: 1,
		per_page: 10,
	});
	expect(Object.keys(body).sort()).toEqual(["current_page", "data", "error", "page", "per_page", "status"]);
	expect(Array.isArray(body.data)).toBe(true);
}

function expectToken(t: unknown) {
	const tok = t as Record<string, unknown>;
	expect(Object.keys(tok).sort()).toEqual(TOKEN_KEYS);
	expect(tok.is_refreshable).toBe(true);
	for (const k of ["created_at", "expires_at", "modified_at"]) expect(tok[k]).toMatch(ISO);
	for (const k of ["access_key_id", "refresh_token", "secret_access_key"])
		expect(typeof tok[k]).toBe("string");
}

/** The document's error example: `status: "fail"`, `data: []`, `current_page: 0`, HTTP status = `error.code`. */
async function expectFail(res: Response, code: number) {
	expect(res.status).toBe(code);
	const body = (await res.json()) as Envelope;
	expect(body).toMatchObject({
		status: "fail",
		data: [],
		error: { code, message: expect.any(String) },
		page: 1,
		per_page: 10,
		current_page: 0,
	});
	expect(Object.keys(body).sort()).toEqual(["current_page", "data", "error", "page", "per_page", "status"]);
	return body;
}

describe("seed 004 conformance: accounts", () => {
	it("POST /api/register (JSON): the user with a token, in the success envelope", async () => {
		const username = uname();
		const p = params(username);
		const res = await api("/api/register", { method: "POST", json: p });
		expect(res.status).toBe(200);
		const body = (await res.json()) as Envelope;
		expectSuccess(body);
		expect(body.current_page).toBe(1);
		expect(body.data).toHaveLength(1);
		const user = body.data[0] as Record<string, unknown>;
		expect(Object.keys(user).sort()).toEqual([
			"email",
			"first_name",
			"last_name",
			"phone_number",
			"token",
			"username",
		]);
		expect(user).toMatchObject({ email: p.email, first_name: "Bob", last_name: "Bobson", username });
		expect(typeof user.phone_number).toBe("string");
		expectToken(user.token);
	});

	it("POST /api/register takes form params too", async () => {
		const username = uname();
		const form = new URLSearchParams(params(username));
		const res = await api("/api/register", { method: "POST", body: form });
		expect(res.status).toBe(200);
		expectSuccess((await res.json()) as Envelope);
	});

	it("POST /api/auth_token takes form params; a phone in national form (the document's 0123456789 style) registers", async () => {
		const username = uname();
		const national = uniquePhone().replace(/^\+1/, "");
		const res = await api("/api/register", {
			method: "POST",
			json: { ...params(username), phone: national },
		});
		expect(res.status).toBe(200);
		const form = new URLSearchParams({ username, password: "violet-harbor-tractor-42" });
		const tok = await api("/api/auth_token", { method: "POST", body: form });
		expect(tok.status).toBe(200);
		const body = (await tok.json()) as Envelope;
		expectSuccess(body);
		expectToken(body.data[0]);
	});

	it("a missing required param, and a taken one, are 400 fail envelopes", async () => {
		const { username } = await register();
		const { phone: _, ...noPhone } = params(uname());
		await expectFail(await api("/api/register", { method: "POST", json: noPhone }), 400);
		const dup = await expectFail(await api("/api/register", { method: "POST", json: params(username) }), 400);
		expect(dup.error.message).toBe("User error");
		expect(dup.error.errors).toMatchObject({ error: "Some fileds are not unique" });
	});

	it("POST /api/auth_token: a new token; DELETE /api/auth_token ends it", async () => {
		const { username } = await register();
		const res = await api("/api/auth_token", {
			method: "POST",
			json: { username, password: "violet-harbor-tractor-42" },
		});
		expect(res.status).toBe(200);
		const body = (await res.json()) as Envelope;
		expectSuccess(body);
		expect(body.data).toHaveLength(1);
		expectToken(body.data[0]);
		const t = body.data[0] as Token;
		expect((await authed("/api/inbox", t)).status).toBe(200);
		const del = await authed("/api/auth_token", t, { method: "DELETE" });
		expect(del.status).toBe(200);
		expectSuccess((await del.json()) as Envelope);
		await expectFail(await authed("/api/inbox", t), 401);

		await expectFail(
			await api("/api/auth_token", { method: "POST", json: { username, password: "wrong-password" } }),
			401,
		);
	});

	it("authentication is required: no or a forged token is a 401 fail envelope", async () => {
		await expectFail(await api("/api/inbox"), 401);
		const forged = await new SignJWT({})
			.setProtectedHeader({ alg: "HS256", kid: "nope" })
			.sign(new TextEncoder().encode("guess"));
		await expectFail(await api("/api/inbox", { headers: { Authorization: `Bearer ${forged}` } }), 401);
	});
});

describe("seed 004 conformance: inbox, thread, /api/ws", () => {
	it("an empty inbox is data: []", async () => {
		const { token } = await register();
		const res = await authed("/api/inbox", token);
		const body = (await res.json()) as Envelope;
		expectSuccess(body);
		expect(body.data).toEqual([]);
	});

	it("/api/ws refuses an unauthenticated upgrade", async () => {
		const res = await JsonSocket.upgrade(`${BASE}/api/ws`);
		expect(res.status).toBe(401);
	});

	it("bob sends {author, recipient, message}; alice receives the packet; inbox and thread list it", async () => {
		const bob = await register();
		const alice = await register(`alice${Date.now().toString(36)}${++n}`);
		const a = await JsonSocket.open(`${BASE}/api/ws`, { Authorization: `Bearer ${await jwt(alice.token)}` });
		const b = await JsonSocket.open(`${BASE}/api/ws`, { Authorization: `Bearer ${await jwt(bob.token)}` });
		b.send({ author: bob.username, recipient: alice.username, message: "hello" });
		const got = await a.waitFor<Record<string, unknown>>((p) => p.message === "hello");
		expect(got).toEqual({
			author: bob.username,
			recipient: alice.username,
			message: "hello",
			message_type: 0,
			created_at: expect.stringMatching(ISO),
		});

		a.send({ author: alice.username, recipient: bob.username, message: "Hi bob" });
		await b.waitFor<Record<string, unknown>>((p) => p.message === "Hi bob");

		const inbox = (await (await authed("/api/inbox", bob.token)).json()) as Envelope;
		expectSuccess(inbox);
		expect(inbox.data).toEqual([
			{ author_username: alice.username, created_at: expect.stringMatching(ISO), latest_message: "Hi bob" },
		]);

		const thread = (await (await authed(`/api/thread/${bob.username}`, alice.token)).json()) as Envelope;
		expectSuccess(thread);
		expect(thread.data).toEqual([
			{
				author: alice.username,
				created_at: expect.stringMatching(ISO),
				message: "Hi bob",
				message_type: 0,
				recipient: bob.username,
			},
			{
				author: bob.username,
				created_at: expect.stringMatching(ISO),
				message: "hello",
				message_type: 0,
				recipient: alice.username,
			},
		]);
		a.close();
		b.close();
	});

	it("GET /api/thread/[username] pages 10 at a time, newest first (?page=2 for the rest)", async () => {
		const bob = await register();
		const alice = await register(`alice${Date.now().toString(36)}${++n}`);
		const b = await JsonSocket.open(`${BASE}/api/ws`, { Authorization: `Bearer ${await jwt(bob.token)}` });
		const a = await JsonSocket.open(`${BASE}/api/ws`, { Authorization: `Bearer ${await jwt(alice.token)}` });
		for (let i = 1; i <= 11; i++) {
			b.send({ author: bob.username, recipient: alice.username, message: `m${i}` });
			await a.waitFor<Record<string, unknown>>((p) => p.message === `m${i}`);
		}
		const first = (await (await authed(`/api/thread/${bob.username}`, alice.token)).json()) as Envelope;
		expectSuccess(first);
		expect(first.data.map((m) => m.message)).toEqual([
			"m11",
			"m10",
			"m9",
			"m8",
			"m7",
			"m6",
			"m5",
			"m4",
			"m3",
			"m2",
		]);
		const second = (await (
			await authed(`/api/thread/${bob.username}?page=2`, alice.token)
		).json()) as Envelope;
		expect(second).toMatchObject({ status: "success", page: 2, per_page: 10 });
		expect(second.data.map((m) => m.message)).toEqual(["m1"]);
		a.close();
		b.close();
	});
});

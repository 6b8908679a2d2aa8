import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { users } from "../../src/db/schema";
import { hashPassword } from "../../src/domain/auth/password";
import type { Role } from "../../src/env";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { JsonSocket } from "./json-socket";

/**
 * Conformance of /compat/support with seed 001, written from the document
 * alone: every request and response as the document prints it. Values the
 * server picks (token, message_id, created) are checked for type and range.
 */

const BASE = "/compat/support";
const INCORRECT = (id: number) => ({ error: { code: 1, message: "Incorrect argument." }, result: null, id });
const MESSAGE_KEYS = ["created", "invader_name", "is_from_support", "message_id", "message_text"];

type Reply = { error: unknown; result: unknown; id: unknown };
type Msg = {
	message_id: number;
	message_text: string;
	invader_name: string;
	is_from_support: boolean;
	created: number;
};

let n = 0;
/** A row of the seed's Users table: user_name + user_password (is_admin = operator). */
async function seedUser(displayName: string, role: Role = "user") {
	const user_name = `conf${Date.now().toString(36)}${++n}`;
	const u = await createTestUser({ displayName, role, username: user_name });
	await createDb(env.DB)
		.update(users)
		.set({ passwordHash: await hashPassword("password1") })
		.where(eq(users.id, u.id));
	return { ...u, user_name };
}

/** §5: POST /v1/auth/ → the token. */
async function token(user_name: string): Promise<string> {
	return (await login(user_name)).result.token;
}

async function login(user_name: string): Promise<{ result: { token: string }; id: number }> {
	const res = await api(`${BASE}/v1/auth/`, { method: "POST", json: { user_name, password: "password1" } });
	expect(res.status).toBe(200);
	return (await res.json()) as { result: { token: string }; id: number };
}

/** §1.1: connect and send message.auth; returns the socket and the §1.2 reply. */
async function connect(tok: string) {
	const ws = await JsonSocket.open(`${BASE}/ws`);
	ws.send({ method: "message.auth", params: [tok], id: 1 });
	const reply = await ws.waitFor<Reply>((f) => (f as Reply).id === 1);
	return { ws, reply };
}

/** Sends a request and waits for the reply carrying its id. */
async function call(ws: JsonSocket, frame: { method: string; params: unknown; id: number }) {
	const reply = ws.waitFor<Reply>((f) => (f as Reply).id === frame.id && (f as Reply).error !== undefined);
	ws.send(frame);
	return reply;
}

function expectMessage(m: unknown, text: string, fromSupport: boolean) {
	const msg = m as Msg;
	expect(Object.keys(msg).sort()).toEqual(MESSAGE_KEYS);
	expect(msg.message_text).toBe(text);
	expect(msg.is_from_support).toBe(fromSupport);
	expect(Number.isInteger(msg.message_id)).toBe(true);
	expect(typeof msg.invader_name).toBe("string");
	if (!fromSupport) expect(msg.invader_name).toBe("");
	// created is a Unix timestamp in seconds (1678794555 in the document).
	expect(Number.isInteger(msg.created)).toBe(true);
	expect(Math.abs(msg.created - Date.now() / 1000)).toBeLessThan(120);
}

describe("seed 001 conformance: POST /v1/auth/ (§5)", () => {
	it("200 with {error: null, result: {token}, id: <number>}", async () => {
		const u = await seedUser("Carol");
		const res = await api(`${BASE}/v1/auth/`, {
			method: "POST",
			json: { user_name: u.user_name, password: "password1" },
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("content-type")).toMatch(/application\/json/);
		const body = await res.json();
		expect(body).toEqual({ error: null, result: { token: expect.any(String) }, id: expect.any(Number) });
	});

	it("an empty 403 when the object is well formed but does not match a user", async () => {
		const u = await seedUser("Carol");
		for (const json of [
			{ user_name: u.user_name, password: "wrong-password" },
			{ user_name: `nobody${Date.now()}`, password: "password1" },
		]) {
			const res = await api(`${BASE}/v1/auth/`, { method: "POST", json });
			expect(res.status).toBe(403);
			expect(await res.text()).toBe("");
		}
	});

	it("a JSON object body is read whatever its Content-Type says", async () => {
		const u = await seedUser("Carol");
		for (const headers of [{}, { "Content-Type": "text/plain;charset=UTF-8" }] as Record<string, string>[]) {
			const res = await api(`${BASE}/v1/auth/`, {
				method: "POST",
				headers,
				body: JSON.stringify({ user_name: u.user_name, password: "password1" }),
			});
			expect(res.status).toBe(200);
			expect(((await res.json()) as { error: unknown }).error).toBeNull();
		}
	});

	it("an empty 404 in every other case", async () => {
		const bodies: RequestInit[] = [
			{ body: "not json", headers: { "Content-Type": "application/json" } },
			{ body: JSON.stringify({}), headers: { "Content-Type": "application/json" } },
			{ body: JSON.stringify({ user_name: "user1" }), headers: { "Content-Type": "application/json" } },
			{
				body: JSON.stringify({ user_name: 1, password: 2 }),
				headers: { "Content-Type": "application/json" },
			},
			{ body: JSON.stringify(["user1", "password1"]), headers: { "Content-Type": "application/json" } },
			{ body: "" },
		];
		for (const init of bodies) {
			const res = await api(`${BASE}/v1/auth/`, { method: "POST", ...init });
			expect(res.status, String(init.body)).toBe(404);
			expect(await res.text()).toBe("");
		}
	});
});

describe("seed 001 conformance: the socket (§1–§4)", () => {
	it("§1.1.1 a request before message.auth (no token) breaks the connection", async () => {
		const ws = await JsonSocket.open(`${BASE}/ws`);
		ws.send({ method: "message.send", params: ["message"], id: 1 });
		await ws.waitClosed();
		expect(ws.frames).toEqual([]);
	});

	it("§3.1 a new message in the conversation is pushed to the user's other connection", async () => {
		const u = await seedUser("Carol");
		const tok = await token(u.user_name);
		const one = await connect(tok);
		const two = await connect(tok);
		const reply = await call(one.ws, { method: "message.send", params: ["from the phone"], id: 2 });
		const sent = (reply.result as { message: Msg }).message;
		const pushed = await two.ws.waitFor<Reply>(
			(f) => (f as { result?: { message?: Msg } }).result?.message?.message_text === "from the phone",
		);
		expect(pushed).toEqual({ error: null, result: { message: sent }, id: sent.message_id });
		one.ws.close();
		two.ws.close();
	});

	it("§1.2.2 a user without messages gets {messages: null} with the request's id", async () => {
		const u = await seedUser("Carol");
		const { ws, reply } = await connect(await token(u.user_name));
		expect(reply).toEqual({ error: null, result: { messages: null }, id: 1 });
		ws.close();
	});

	it("§1.1.1 a missing or unknown token breaks the connection", async () => {
		for (const params of [["QWERTYUIOP"], [], [""]]) {
			const ws = await JsonSocket.open(`${BASE}/ws`);
			ws.send({ method: "message.auth", params, id: 1 });
			await ws.waitClosed();
			expect(
				ws.frames.filter((f) => (f as Reply).result !== undefined && (f as Reply).error === null),
			).toEqual([]);
		}
	});

	it("§2 message.send stores and answers the message; §1.2.1 history lists it on the next connect", async () => {
		const u = await seedUser("Carol");
		const tok = await token(u.user_name);
		const { ws } = await connect(tok);
		const reply = await call(ws, { method: "message.send", params: ["Message from Client"], id: 3 });
		expect(reply).toEqual({ error: null, result: { message: expect.any(Object) }, id: 3 });
		const sent = (reply.result as { message: Msg }).message;
		expectMessage(sent, "Message from Client", false);
		ws.close();

		const again = await connect(tok);
		expect(again.reply).toEqual({ error: null, result: { messages: [sent] }, id: 1 });
		again.ws.close();
	});

	it("§2.1.1 params of the wrong type: code 1 Incorrect argument., and the socket keeps working", async () => {
		const u = await seedUser("Carol");
		const { ws } = await connect(await token(u.user_name));
		let id = 10;
		for (const params of [[42], [], "message", { text: "x" }, null, [null], [true]]) {
			id += 1;
			expect(await call(ws, { method: "message.send", params, id }), JSON.stringify(params)).toEqual(
				INCORRECT(id),
			);
		}
		const ok = await call(ws, { method: "message.send", params: ["still here"], id: 99 });
		expect(ok.error).toBeNull();
		ws.close();
	});

	it("§3/§4 an operator (is_admin) replies with message.operatorSend; the customer gets it pushed", async () => {
		const carol = await seedUser("Carol");
		const olga = await seedUser("Olga", "operator");
		const carolAuth = await login(carol.user_name);
		const c = await connect(carolAuth.result.token);
		await call(c.ws, { method: "message.send", params: ["Help please"], id: 2 });
		const o = await connect(await token(olga.user_name));
		expect(o.reply.error).toBeNull();

		// The document's operator request names no customer; Hatch takes the customer's numeric
		// user id (the `id` of their §5 answer, the seed's Users.id) as a second param.
		const reply = await call(o.ws, {
			method: "message.operatorSend",
			params: ["Message from Operator", carolAuth.id],
			id: 4,
		});
		expect(reply.error).toBeNull();
		expect(reply.id).toBe(4);
		const sent = (reply.result as { message: Msg }).message;
		expect(sent.message_text).toBe("Message from Operator");
		expect(sent.is_from_support).toBe(true);

		// §3.1: {error: null, result: {message}, id} with is_from_support true, invader_name the operator.
		const pushed = await c.ws.waitFor<Reply>(
			(f) => (f as { result?: { message?: Msg } }).result?.message?.message_text === "Message from Operator",
		);
		expect(Object.keys(pushed).sort()).toEqual(["error", "id", "result"]);
		expect(pushed.error).toBeNull();
		const msg = (pushed.result as { message: Msg }).message;
		expectMessage(msg, "Message from Operator", true);
		expect(msg.invader_name).toBe("Olga");
		expect(pushed.id).toBe(msg.message_id);

		// Now that the operator holds the conversation, the document's one-argument form replies in it.
		const second = await call(o.ws, { method: "message.operatorSend", params: ["Second"], id: 5 });
		expect(second.error).toBeNull();
		await c.ws.waitFor(
			(f) => (f as { result?: { message?: Msg } }).result?.message?.message_text === "Second",
		);

		// §4.1.1 bad params for operatorSend too.
		expect(await call(o.ws, { method: "message.operatorSend", params: [7], id: 6 })).toEqual(INCORRECT(6));
		c.ws.close();
		o.ws.close();
	});

	it("a customer may not use message.operatorSend: an error object, result null", async () => {
		const u = await seedUser("Carol");
		const { ws } = await connect(await token(u.user_name));
		const reply = await call(ws, { method: "message.operatorSend", params: ["hi"], id: 8 });
		expect(reply).toEqual({
			error: { code: expect.any(Number), message: expect.any(String) },
			result: null,
			id: 8,
		});
		ws.close();
	});
});

import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { describe, expect, it } from "vitest";
import { mintTicketFor } from "../../src/domain/auth/ws-ticket-deps";
import { registryOf, roomOf } from "../../src/domain/chats/deps";
import { activeGroup } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { mintTicket, WsClient } from "../helpers/ws-client";
import { freshIp, lastMessage, login, registerUser, type Tokens, tokenIn } from "./helpers";

/** Revocation reaches sockets (issue 13 item 2): every event that ends a session closes what it holds open. */

const NEW_PASSWORD = "amber-canyon-violin-77";

/** A registered user (real password, real session) as the socket helpers want it. */
function asTestUser(t: Tokens & { email: string }): TestUser {
	return {
		id: t.user.id,
		token: t.access_token,
		email: t.email,
		sessionId: t.session_id,
		auth: { Authorization: `Bearer ${t.access_token}` },
	};
}

/** The same user signed in again by password: a second real session. */
async function secondLogin(email: string, password: string): Promise<TestUser> {
	const res = await login(email, password);
	expect(res.status).toBe(200);
	return asTestUser({ ...((await res.json()) as Tokens), email });
}

/** Opens a socket with an already minted ticket; returns the HTTP status (101 when it opened). */
async function upgradeWith(ticket: string): Promise<number> {
	const res = await exports.default.fetch(
		new Request(`https://hatch.test/v1/ws?ticket=${encodeURIComponent(ticket)}`, {
			headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
		}),
	);
	res.webSocket?.accept();
	res.webSocket?.close(1000, "test");
	return res.status;
}

type Held = { hub: WsClient; viewer: WsClient; ticket: string; chatId: string };

/**
 * What one session holds open: a hub socket that answers chat.list, a
 * chat-viewing socket that sends a message, and an unredeemed ticket.
 */
async function holdOpen(user: TestUser, chatId: string): Promise<Held> {
	const hub = await WsClient.connect(user);
	const viewer = await WsClient.connectChat(user, chatId);
	expect(await hub.call({ type: "chat.list" })).toMatchObject({ type: "result" });
	expect(
		await viewer.call({
			type: "message.send",
			chat_id: chatId,
			client_id: crypto.randomUUID(),
			text: "before",
		}),
	).toMatchObject({ type: "result" });
	return { hub, viewer, ticket: await mintTicket(user), chatId };
}

/** Resolves once the socket is closed (failing after `ms`): revocation must reach it within a second. */
async function closedWithin(c: WsClient, ms = 1000): Promise<{ code: number; reason: string }> {
	const deadline = Date.now() + ms;
	while (!c.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
	if (!c.closed) throw new Error(`socket still open ${ms} ms after the revocation`);
	return c.closed;
}

/** Everything `held` had open is gone: both sockets closed with 4401, the ticket refused, nothing sent after. */
async function expectRevoked(held: Held, peer: TestUser) {
	for (const c of [held.hub, held.viewer])
		expect(await closedWithin(c)).toEqual({ code: CLOSE_CODES.SESSION_REVOKED, reason: "Session revoked" });
	// A closed socket takes no more frames: the send throws, and nothing reaches the chat.
	expect(() =>
		held.viewer.send({ type: "message.send", chat_id: held.chatId, client_id: "late", text: "after" }),
	).toThrow();
	expect(await upgradeWith(held.ticket)).toBe(401);
	const res = await api(`/v1/chats/${held.chatId}/messages`, { headers: peer.auth });
	const texts = ((await res.json()) as { items: { text: string }[] }).items.map((m) => m.text);
	expect(texts).toContain("before");
	expect(texts).not.toContain("after");
}

/** The control: a session the event did not end keeps its sockets. */
async function expectUntouched(held: Held) {
	expect(held.hub.closed).toBeNull();
	expect(await held.hub.call({ type: "chat.list" })).toMatchObject({ type: "result" });
	expect(
		await held.viewer.call({
			type: "message.send",
			chat_id: held.chatId,
			client_id: crypto.randomUUID(),
			text: "still here",
		}),
	).toMatchObject({ type: "result" });
	expect(await upgradeWith(held.ticket)).toBe(101);
}

/** Alice (registered, with a password) in a group with Bob, holding sockets open on two sessions. */
async function aliceOnTwoDevices() {
	const registered = await registerUser();
	const alice = asTestUser(registered);
	const phone = await secondLogin(registered.email, registered.password);
	const bob = await createTestUser({ displayName: "Bob" });
	const chatId = await activeGroup(bob, [alice]);
	return {
		registered,
		alice,
		phone,
		bob,
		chatId,
		laptop: await holdOpen(alice, chatId),
		onPhone: await holdOpen(phone, chatId),
	};
}

describe("revocation closes the revoked session's sockets and voids its tickets", () => {
	it("logout: this session's sockets close with 4401; the other device's stay", async () => {
		const { alice, bob, laptop, onPhone } = await aliceOnTwoDevices();
		expect((await api("/v1/auth/logout", { method: "POST", headers: alice.auth })).status).toBe(204);
		await expectRevoked(laptop, bob);
		await expectUntouched(onPhone);
	});

	it("revoking a device from the sessions list closes that device's sockets only", async () => {
		const { alice, phone, bob, laptop, onPhone } = await aliceOnTwoDevices();
		const res = await api(`/v1/me/sessions/${phone.sessionId}`, { method: "DELETE", headers: alice.auth });
		expect(res.status).toBe(204);
		await expectRevoked(onPhone, bob);
		await expectUntouched(laptop);
	});

	it("sign-out-everywhere closes every device's sockets", async () => {
		const { alice, bob, laptop, onPhone } = await aliceOnTwoDevices();
		const res = await api("/v1/me/sessions/revoke-all", { method: "POST", headers: alice.auth });
		expect(await res.json()).toEqual({ revoked: 2 });
		await expectRevoked(laptop, bob);
		await expectRevoked(onPhone, bob);
	});

	it("a password change closes every device's sockets; the fresh session can open new ones", async () => {
		const { registered, alice, bob, chatId, laptop, onPhone } = await aliceOnTwoDevices();
		const res = await api("/v1/me/password", {
			method: "PATCH",
			headers: alice.auth,
			json: { password: registered.password, new_password: NEW_PASSWORD },
		});
		expect(res.status).toBe(200);
		await expectRevoked(laptop, bob);
		await expectRevoked(onPhone, bob);
		const fresh = asTestUser({ ...((await res.json()) as Tokens), email: registered.email });
		await expectUntouched(await holdOpen(fresh, chatId));
	});

	it("a password reset closes every device's sockets", async () => {
		const { registered, bob, laptop, onPhone } = await aliceOnTwoDevices();
		const started = Date.now();
		await api("/v1/auth/password/forgot", {
			method: "POST",
			headers: freshIp(),
			json: { email: registered.email },
		});
		const token = tokenIn((await lastMessage(registered.email, started - 1)).body);
		const res = await api("/v1/auth/password/reset", {
			method: "POST",
			headers: freshIp(),
			json: { token, new_password: NEW_PASSWORD },
		});
		expect(res.status).toBe(204);
		await expectRevoked(laptop, bob);
		await expectRevoked(onPhone, bob);
	});

	it("a replayed refresh token closes the sockets of its family only", async () => {
		const { registered, bob, laptop, onPhone } = await aliceOnTwoDevices();
		const refresh = () =>
			api("/v1/auth/refresh", {
				method: "POST",
				headers: freshIp(),
				json: { refresh_token: registered.refresh_token },
			});
		expect((await refresh()).status).toBe(200);
		// The rotation alone closes nothing.
		expect(await laptop.hub.call({ type: "chat.list" })).toMatchObject({ type: "result" });
		const replay = await refresh();
		expect(replay.status).toBe(401);
		await expectRevoked(laptop, bob);
		await expectUntouched(onPhone);
	});

	it("a demotion closes every socket of the demoted user", async () => {
		const admin = await createTestUser({ role: "admin" });
		const operator = await createTestUser({ role: "operator", displayName: "Olga" });
		const bob = await createTestUser({ displayName: "Bob" });
		const chatId = await activeGroup(bob, [operator]);
		const held = await holdOpen(operator, chatId);
		const res = await api(`/v1/admin/users/${operator.id}/role`, {
			method: "PUT",
			headers: admin.auth,
			json: { role: "user" },
		});
		expect(res.status).toBe(200);
		await expectRevoked(held, bob);
	});

	it("an admin signing a user out everywhere closes every socket of theirs; role and access to others stay (ASVS 7.4.5)", async () => {
		const admin = await createTestUser({ role: "admin" });
		const operator = await createTestUser({ role: "operator", displayName: "Olga" });
		const bob = await createTestUser({ displayName: "Bob" });
		const chatId = await activeGroup(bob, [operator]);
		const held = await holdOpen(operator, chatId);
		const bobHeld = await holdOpen(bob, chatId);
		const res = await api(`/v1/admin/users/${operator.id}/sessions/revoke-all`, {
			method: "POST",
			headers: admin.auth,
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ revoked: 1 });
		await expectRevoked(held, bob);
		await expectUntouched(bobHeld);
		expect((await api("/v1/me", { headers: operator.auth })).status).toBe(401);
		const row = await env.DB.prepare("select role from users where id = ?")
			.bind(operator.id)
			.first<{ role: string }>();
		expect(row?.role).toBe("operator");
	});

	it("only an admin may sign someone out everywhere; an unknown user is 404", async () => {
		const operator = await createTestUser({ role: "operator" });
		const admin = await createTestUser({ role: "admin" });
		const bob = await createTestUser();
		const path = (id: string) => `/v1/admin/users/${id}/sessions/revoke-all`;
		for (const who of [operator, bob]) {
			const res = await api(path(admin.id), { method: "POST", headers: who.auth });
			expect(res.status).toBe(403);
		}
		expect((await api(path(admin.id), { method: "POST" })).status).toBe(401);
		expect((await api("/v1/me", { headers: admin.auth })).status).toBe(200);
		const unknown = await api(path("01900000-0000-7000-8000-000000000000"), {
			method: "POST",
			headers: admin.auth,
		});
		expect(unknown.status).toBe(404);
	});

	it("a ticket minted before logout and redeemed for a chat-viewing socket is refused", async () => {
		const { alice, laptop } = await aliceOnTwoDevices();
		const ticket = await mintTicket(alice);
		await api("/v1/auth/logout", { method: "POST", headers: alice.auth });
		const res = await exports.default.fetch(
			new Request(`https://hatch.test/v1/chats/${laptop.chatId}/ws?ticket=${encodeURIComponent(ticket)}`, {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
			}),
		);
		expect(res.status).toBe(401);
		expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_TICKET");
	});
});

describe("requests racing a revocation", () => {
	it("a ticket minted just after the logout (the request had passed its auth check) is refused", async () => {
		const { alice } = await aliceOnTwoDevices();
		await api("/v1/auth/logout", { method: "POST", headers: alice.auth });
		// What POST /v1/ws/ticket signs for a request that passed requireAuth just before the logout.
		const late = await mintTicketFor(env, { userId: alice.id, sessionId: alice.sessionId });
		expect(await upgradeWith(late.ticket)).toBe(401);
	});

	it("a session holding only a chat-viewing socket (its UserHub never woke for it) has it closed with 4401", async () => {
		const alice = asTestUser(await registerUser());
		const bob = await createTestUser({ displayName: "Bob" });
		const chatId = await activeGroup(bob, [alice]);
		const viewer = await WsClient.connectChat(alice, chatId);
		const registry = registryOf(env, alice.id);
		for (let i = 0; i < 100 && !(await registry.views(alice.id)).length; i++)
			await new Promise((r) => setTimeout(r, 10));
		expect((await registry.views(alice.id)).map((v) => v.session_id)).toEqual([alice.sessionId]);
		expect(await registry.isOnline(alice.id)).toBe(false);
		await api("/v1/auth/logout", { method: "POST", headers: alice.auth });
		expect(await closedWithin(viewer)).toEqual({
			code: CLOSE_CODES.SESSION_REVOKED,
			reason: "Session revoked",
		});
	});

	it("a chat-viewing socket opened just after the logout (ticket redeemed before it) is closed with 4401", async () => {
		const { alice, chatId } = await aliceOnTwoDevices();
		await api("/v1/auth/logout", { method: "POST", headers: alice.auth });
		// What GET /v1/chats/{id}/ws hands the room once the Worker has redeemed a ticket of this session.
		const res = await roomOf(env, chatId).fetch(
			new Request(`https://hatch.test/v1/chats/${chatId}/ws`, {
				headers: {
					Upgrade: "websocket",
					"X-Hatch-Transport": "json",
					"X-Hatch-User": alice.id,
					"X-Hatch-Session": alice.sessionId,
					"X-Hatch-Chat": chatId,
				},
			}),
		);
		expect(res.status).toBe(101);
		const ws = res.webSocket as WebSocket;
		const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
		ws.accept();
		expect(await closed).toBe(CLOSE_CODES.SESSION_REVOKED);
	});
});

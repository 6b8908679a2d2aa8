import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hubOf, roomOf } from "../../src/domain/chats/deps";
import { consoleOutbox } from "../../src/providers/push/console";
import { activeGroup, openDirect, send } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { type Frame, sleep, WsClient } from "../helpers/ws-client";

type M = { seq: number; text: string; sender_id: string; deleted: boolean };
const msgSeqs = (ws: WsClient, chatId: string) =>
	ws.events("message.new", chatId).map((f) => (f.message as M).seq);

describe("realtime messaging over the socket", () => {
	it("direct chat: live delivery, delivered and read receipts reach the sender's devices", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const a1 = await WsClient.connect(alice);
		const a2 = await WsClient.connect(alice, { transport: "msgpack" });
		const b = await WsClient.connect(bob);
		for (const ws of [a1, a2, b])
			await ws.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 });

		const sent = await a1.request<{ message: M; duplicate: boolean }>({
			type: "message.send",
			chat_id: chat.id,
			client_id: "m1",
			text: "hi bob",
		});
		expect(sent).toMatchObject({
			duplicate: false,
			message: { seq: 1, text: "hi bob", sender_id: alice.id },
		});
		const got = await b.waitFor((f) => f.type === "message.new");
		expect(got).toMatchObject({ chat_id: chat.id, seq: 1, message: { text: "hi bob" } });
		// Every device of the sender sees it too.
		await a2.waitFor((f) => f.type === "message.new" && f.seq === 1);

		const delivered = await a2.waitFor(
			(f) =>
				f.type === "receipt" &&
				(f.receipts as { delivered_seq: number }[]).some((r) => r.delivered_seq === 1),
		);
		expect(delivered.receipts).toEqual([{ user_id: bob.id, delivered_seq: 1, read_seq: 0 }]);
		await b.request({ type: "message.read", chat_id: chat.id, seq: 1 });
		const read = await a1.waitFor(
			(f) => f.type === "receipt" && (f.receipts as { read_seq: number }[]).some((r) => r.read_seq === 1),
		);
		expect(read.chat_id).toBe(chat.id);
		const history = await a1.request<{ items: { seq: number }[]; page_token: string | null }>({
			type: "message.history",
			chat_id: chat.id,
		});
		expect(history.items.map((m) => m.seq)).toEqual([1]);
		expect(history.page_token).toBeNull();
		for (const ws of [a1, a2, b]) ws.close();
	});

	it("a group of five, each with a json and a msgpack device: everyone gets everything once, in seq order", async () => {
		const users = await Promise.all([1, 2, 3, 4, 5].map((i) => createTestUser({ displayName: `U${i}` })));
		const [owner, ...rest] = users as [(typeof users)[0], ...typeof users];
		const chatId = await activeGroup(owner, rest);
		const sockets: WsClient[] = [];
		for (const u of users) {
			sockets.push(
				await WsClient.connect(u, { transport: "json" }),
				await WsClient.connect(u, { transport: "msgpack" }),
			);
		}
		for (const ws of sockets) await ws.request({ type: "chat.subscribe", chat_id: chatId, after_seq: 0 });
		await Promise.all(
			users.map((_u, i) =>
				sockets[i * 2]?.request({
					type: "message.send",
					chat_id: chatId,
					client_id: `c${i}`,
					text: `from ${i}`,
				}),
			),
		);
		for (const ws of sockets) {
			await ws.waitForCount((f) => f.type === "message.new", 5);
			expect(msgSeqs(ws, chatId)).toEqual([1, 2, 3, 4, 5]);
		}
		const texts = new Set(sockets[9]?.events("message.new").map((f) => (f.message as M).text));
		expect(texts.size).toBe(5);
		for (const ws of sockets) ws.close();
	});

	it("a device not viewing the chat gets an inbox summary with the unread count", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const b = await WsClient.connect(bob);
		await send(alice, chat.id, "one");
		await send(alice, chat.id, "two");
		const inbox = await b.waitFor((f) => f.type === "inbox" && f.unread === 2);
		expect(inbox).toMatchObject({
			chat_id: chat.id,
			seq: 2,
			last_message: { sender_id: alice.id, text: "two" },
		});
		expect(b.events("message.new")).toHaveLength(0);
		b.close();
	});

	it("invitations: the invitee hears of it live, accepts over the socket, then can subscribe", async () => {
		const owner = await createTestUser();
		const bob = await createTestUser();
		const o = await WsClient.connect(owner);
		const b = await WsClient.connect(bob);
		const chat = await o.request<{ id: string }>({ type: "chat.create", name: "Plans", members: [bob.id] });
		const inv = await b.waitFor((f) => f.type === "chat.invitation");
		expect(inv).toMatchObject({ chat_id: chat.id, name: "Plans", from: owner.id });
		const denied = await b.call({ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 });
		expect(denied).toMatchObject({ type: "error", code: 403 });
		await b.request({ type: "chat.accept", chat_id: chat.id });
		await o.request({ type: "chat.subscribe", chat_id: chat.id });
		await o.waitFor((f) => f.type === "chat.updated" && f.change === "joined" && f.user_id === bob.id);
		await b.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 });
		const list = await b.request<{ chats: { id: string; status: string }[] }>({ type: "chat.list" });
		expect(list.chats.find((c) => c.id === chat.id)?.status).toBe("active");
		// Reject path and removal over the socket.
		const carol = await createTestUser();
		const c = await WsClient.connect(carol);
		await o.request({ type: "chat.invite", chat_id: chat.id, user: carol.id });
		await c.waitFor((f) => f.type === "chat.invitation");
		await c.request({ type: "chat.reject", chat_id: chat.id });
		await o.request({ type: "chat.remove_member", chat_id: chat.id, user_id: bob.id });
		await b.waitFor((f) => f.type === "chat.removed" && f.reason === "removed");
		await o.request({ type: "message.send", chat_id: chat.id, client_id: "after", text: "bob is gone" });
		const late = await b.framesBeforePong(0, (f) => f.type === "message.new");
		expect(late.some((f) => (f.message as M).text === "bob is gone")).toBe(false);
		for (const ws of [o, b, c]) ws.close();
	});

	it("typing reaches the others, not the typist, and is throttled", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const a = await WsClient.connect(alice);
		const b = await WsClient.connect(bob);
		await b.request({ type: "chat.subscribe", chat_id: chat.id });
		await a.request({ type: "chat.subscribe", chat_id: chat.id });
		expect(await a.request({ type: "chat.typing", chat_id: chat.id })).toEqual({ sent: true });
		expect(await a.request({ type: "chat.typing", chat_id: chat.id })).toEqual({ sent: false });
		expect(await b.waitFor((f) => f.type === "typing")).toMatchObject({
			chat_id: chat.id,
			user_id: alice.id,
		});
		expect(await a.framesBeforePong(0, (f) => f.type === "typing")).toHaveLength(0);
		expect(await b.framesBeforePong(0, (f) => f.type === "typing")).toHaveLength(1);
		a.close();
		b.close();
	});

	it("presence: contacts see online and last seen; a hidden user is never shown", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const hidden = await createTestUser();
		await env.DB.prepare("UPDATE users SET hidden = 1 WHERE id = ?").bind(hidden.id).run();
		await openDirect(alice, bob);
		await openDirect(hidden, bob);
		const b = await WsClient.connect(bob);
		const a = await WsClient.connect(alice);
		await b.waitFor((f) => f.type === "presence" && f.user_id === alice.id && f.online === true);
		expect(await b.request({ type: "presence.get", user_id: alice.id })).toMatchObject({ online: true });
		a.close();
		const off = await b.waitFor((f) => f.type === "presence" && f.user_id === alice.id && f.online === false);
		expect(off.last_seen).toEqual(expect.any(Number));
		const rest = await api(`/v1/presence/${alice.id}`, { headers: bob.auth });
		expect(await rest.json()).toMatchObject({ online: false, last_seen: expect.any(Number) });
		const h = await WsClient.connect(hidden);
		const presence = await b.framesBeforePong(0, (f) => f.type === "presence");
		expect(presence.some((f) => f.user_id === hidden.id)).toBe(false);
		expect(await b.request({ type: "presence.get", user_id: hidden.id })).toEqual({
			user_id: hidden.id,
			online: false,
			last_seen: null,
		});
		expect((await b.call({ type: "presence.get", user_id: "nobody" })).code).toBe(404);
		h.close();
		b.close();
	});

	it("resume: after a disconnect the client gets exactly what it missed (new and edited), then live", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		for (const t of ["1", "2", "3"]) await send(alice, chat.id, t);
		let b = await WsClient.connect(bob);
		await b.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 });
		expect(msgSeqs(b, chat.id)).toEqual([1, 2, 3]);
		b.close();
		for (const t of ["4", "5", "6"]) await send(alice, chat.id, t);
		await api(`/v1/chats/${chat.id}/messages/2`, {
			method: "PATCH",
			headers: alice.auth,
			json: { text: "2 (edited)" },
		});
		b = await WsClient.connect(bob);
		const r = await b.request<{ replayed: number; last_seq: number }>({
			type: "chat.subscribe",
			chat_id: chat.id,
			after_seq: 3,
		});
		expect(r).toMatchObject({ replayed: 3, last_seq: 6 });
		expect(msgSeqs(b, chat.id)).toEqual([4, 5, 6]);
		expect(b.events("message.updated").map((f) => (f.message as M).text)).toEqual(["2 (edited)"]);
		await send(alice, chat.id, "7");
		await b.waitFor((f) => f.type === "message.new" && f.seq === 7);
		expect(msgSeqs(b, chat.id)).toEqual([4, 5, 6, 7]);
		b.close();
	});

	it("survives eviction of the UserHub and the ChatRoom: sockets stay usable, nothing is lost", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const a = await WsClient.connect(alice);
		const b = await WsClient.connect(bob, { transport: "msgpack" });
		await a.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 });
		await b.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 });
		await a.request({ type: "message.send", chat_id: chat.id, client_id: "x1", text: "before" });
		await b.waitFor((f) => f.type === "message.new" && f.seq === 1);
		await sleep(50);
		await evictDurableObject(hubOf(env, bob.id));
		await evictDurableObject(hubOf(env, alice.id));
		await evictDurableObject(roomOf(env, chat.id));
		// Same sockets, after eviction: subscriptions came back from storage.
		const r = await a.request<{ message: M; duplicate: boolean }>({
			type: "message.send",
			chat_id: chat.id,
			client_id: "x2",
			text: "after",
		});
		expect(r.message.seq).toBe(2);
		await b.waitFor((f) => f.type === "message.new" && f.seq === 2);
		// An idempotent retry after eviction still returns the original.
		const retry = await a.request<{ message: M; duplicate: boolean }>({
			type: "message.send",
			chat_id: chat.id,
			client_id: "x1",
			text: "again",
		});
		expect(retry).toMatchObject({ duplicate: true, message: { seq: 1, text: "before" } });
		expect(msgSeqs(b, chat.id)).toEqual([1, 2]);
		// Resume after eviction on a fresh socket.
		b.close();
		await evictDurableObject(roomOf(env, chat.id));
		const b2 = await WsClient.connect(bob);
		await b2.request({ type: "chat.subscribe", chat_id: chat.id, after_seq: 1 });
		expect(msgSeqs(b2, chat.id)).toEqual([2]);
		expect(await b2.request({ type: "ping" })).toHaveProperty("pong");
		a.close();
		b2.close();
	});

	it("a non-member cannot subscribe, read, send, edit, delete, mark or type over the socket, and hears nothing", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const eve = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		await send(alice, chat.id, "secret");
		const e = await WsClient.connect(eve);
		const attempts: Frame[] = [
			{ type: "chat.subscribe", chat_id: chat.id, after_seq: 0 },
			{ type: "chat.subscribe", chat_id: chat.id },
			{ type: "chat.info", chat_id: chat.id },
			{ type: "message.history", chat_id: chat.id },
			{ type: "message.send", chat_id: chat.id, client_id: "e", text: "let me in" },
			{ type: "message.edit", chat_id: chat.id, seq: 1, text: "pwned" },
			{ type: "message.delete", chat_id: chat.id, seq: 1 },
			{ type: "message.read", chat_id: chat.id, seq: 1 },
			{ type: "chat.typing", chat_id: chat.id },
			{ type: "chat.rename", chat_id: chat.id, name: "x" },
			{ type: "chat.delete", chat_id: chat.id },
		];
		for (const f of attempts) {
			const { id: _ignored, ...frame } = f;
			const reply = await e.call(frame);
			expect(reply, f.type).toMatchObject({ type: "error", code: 404 });
		}
		await send(alice, chat.id, "more secrets");
		expect(await e.framesBeforePong(0, (f) => JSON.stringify(f).includes("secret"))).toHaveLength(0);
		const page = (await (await api(`/v1/chats/${chat.id}/messages`, { headers: alice.auth })).json()) as {
			items: M[];
		};
		expect(page.items.map((m) => m.text)).toEqual(["more secrets", "secret"]);
		e.close();
	});

	it("a member offline on every device gets a push (unless muted)", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		const reg = await api("/v1/devices", {
			method: "POST",
			headers: bob.auth,
			json: { push_token: "fcm-token-1", type: "fcm", device_id: "phone" },
		});
		expect(reg.status).toBe(200);
		await send(alice, chat.id, "are you there?");
		await waitUntil(() => consoleOutbox.some((p) => p.userId === bob.id));
		const push = consoleOutbox.find((p) => p.userId === bob.id);
		expect(push?.notification).toMatchObject({
			body: "are you there?",
			data: { chat_id: chat.id, seq: "1" },
		});
		expect(consoleOutbox.some((p) => p.userId === alice.id)).toBe(false);
		await api(`/v1/chats/${chat.id}/mute`, { method: "POST", headers: bob.auth });
		await send(alice, chat.id, "muted now");
		// Unmuted again, the next message's push is the marker: the muted one never came before it.
		await api(`/v1/chats/${chat.id}/unmute`, { method: "POST", headers: bob.auth });
		await send(alice, chat.id, "unmuted");
		const bobPushes = () => consoleOutbox.filter((p) => p.userId === bob.id).map((p) => p.notification.body);
		await waitUntil(() => bobPushes().includes("unmuted"));
		expect(bobPushes()).toEqual(["are you there?", "unmuted"]);
		// Online on one device: no push.
		const b = await WsClient.connect(bob);
		await send(alice, chat.id, "online");
		await b.waitFor((f) => f.type === "inbox" && f.seq === 4);
		expect(bobPushes()).toEqual(["are you there?", "unmuted"]);
		b.close();
	});
});

async function waitUntil(cond: () => boolean, ms = 3000) {
	const end = Date.now() + ms;
	while (!cond()) {
		if (Date.now() > end) throw new Error("condition not met");
		await sleep(10);
	}
}

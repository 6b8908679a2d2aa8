import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomOf } from "../../src/domain/chats/deps";
import { activeGroup, createGroup, send } from "../chats/helpers";
import { errorCode } from "../helpers/http";
import { createTestUser, otherDevice } from "../helpers/users";
import { type Frame, mintTicket, sleep, WsClient } from "../helpers/ws-client";

type M = { seq: number; text: string; sender_id: string };
const seqs = (ws: WsClient) => ws.events("message.new").map((f) => (f.message as M).seq);
const chatUpgrade = (chatId: string, query: string, headers: Record<string, string> = {}) =>
	exports.default.fetch(
		new Request(`https://hatch.test/v1/chats/${chatId}/ws${query}`, {
			headers: { Upgrade: "websocket", ...headers },
		}),
	);

describe("GET /v1/chats/{id}/ws: the chat-viewing socket", () => {
	it("viewers get messages on the chat socket; a member not viewing gets the inbox summary on the hub", async () => {
		const [alice, bob, carol] = [await createTestUser(), await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob, carol], "Trio");
		const a = await WsClient.connectChat(alice, chatId);
		const b = await WsClient.connectChat(bob, chatId, { transport: "msgpack" });
		const cHub = await WsClient.connect(carol);
		const bHub = await WsClient.connect(bob);
		expect(a.frames[0]).toMatchObject({ type: "hello", user_id: alice.id, protocol: "json" });

		const sent = await a.request<{ message: M; duplicate: boolean }>({
			type: "message.send",
			chat_id: chatId,
			client_id: "c1",
			text: "hello viewers",
		});
		expect(sent).toMatchObject({ duplicate: false, message: { seq: 1, text: "hello viewers" } });
		const got = await b.waitFor((f) => f.type === "message.new");
		expect(got).toMatchObject({
			chat_id: chatId,
			seq: 1,
			message: { text: "hello viewers", sender_id: alice.id },
		});
		await a.waitFor((f) => f.type === "message.new" && f.seq === 1);
		const inbox = await cHub.waitFor((f) => f.type === "inbox");
		expect(inbox).toMatchObject({
			chat_id: chatId,
			seq: 1,
			unread: 1,
			last_message: { text: "hello viewers" },
		});
		// Bob views the chat: his hub is not told (one copy per user, on the socket showing it).
		expect(await bHub.framesBeforePong(0, (f) => f.type === "inbox")).toEqual([]);
		// Delivered receipt for Bob reaches the sender's chat socket.
		const receipt = await a.waitFor(
			(f) =>
				f.type === "receipt" &&
				(f.receipts as { user_id: string; delivered_seq: number }[]).some(
					(r) => r.user_id === bob.id && r.delivered_seq === 1,
				),
		);
		expect(receipt.chat_id).toBe(chatId);
		// Edit, delete, typing and read reach viewers too.
		await a.request({ type: "message.edit", chat_id: chatId, seq: 1, text: "edited" });
		await b.waitFor((f) => f.type === "message.updated" && (f.message as M).text === "edited");
		const t = await b.request<{ sent: boolean }>({ type: "chat.typing", chat_id: chatId });
		expect(t.sent).toBe(true);
		await a.waitFor((f) => f.type === "typing" && f.user_id === bob.id);
		const r = await b.request<{ receipt: { read_seq: number } }>({
			type: "message.read",
			chat_id: chatId,
			seq: 1,
		});
		expect(r.receipt.read_seq).toBe(1);
		await a.request({ type: "message.delete", chat_id: chatId, seq: 1 });
		await b.waitFor((f) => f.type === "message.updated" && (f.message as { deleted: boolean }).deleted);
		expect(seqs(b)).toEqual([1]);
		for (const ws of [a, b, cHub, bHub]) ws.close();
	});

	it("resume after a reconnect: replays what was missed, in order, then live, each once", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const b1 = await WsClient.connectChat(bob, chatId);
		await send(alice, chatId, "one");
		await b1.waitFor((f) => f.type === "message.new" && f.seq === 1);
		b1.close();
		for (const t of ["two", "three", "four"]) await send(alice, chatId, t);
		const b2 = await WsClient.connectChat(bob, chatId);
		const sub = await b2.request<{ replayed: number; last_seq: number; more: boolean }>({
			type: "chat.subscribe",
			chat_id: chatId,
			after_seq: 1,
		});
		expect(sub).toMatchObject({ replayed: 3, last_seq: 4, more: false });
		await send(alice, chatId, "five");
		await b2.waitFor((f) => f.type === "message.new" && f.seq === 5);
		// Subscribing again from an older seq sends everything after it again (the client drops what it holds).
		const again = await b2.request<{ replayed: number }>({
			type: "chat.subscribe",
			chat_id: chatId,
			after_seq: 0,
		});
		expect(again.replayed).toBe(5);
		expect(seqs(b2)).toEqual([2, 3, 4, 5, 1, 2, 3, 4, 5]);
		// after_seq in the URL subscribes atomically with the upgrade.
		const b3 = await WsClient.connectChat(bob, chatId, { afterSeq: 3, transport: "msgpack" });
		await b3.waitForCount((f) => f.type === "message.new", 2);
		expect(seqs(b3)).toEqual([4, 5]);
		for (const ws of [b2, b3]) ws.close();
	});

	it("survives eviction of the ChatRoom: sockets stay usable, nothing is lost or doubled", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const a = await WsClient.connectChat(alice, chatId);
		const b = await WsClient.connectChat(bob, chatId, { afterSeq: 0 });
		await a.request({ type: "message.send", chat_id: chatId, client_id: "e1", text: "before" });
		await b.waitFor((f) => f.type === "message.new" && f.seq === 1);
		await evictDurableObject(roomOf(env, chatId));
		const ping = await b.request<{ pong: number }>({ type: "ping" });
		expect(ping.pong).toBeGreaterThan(0);
		await a.request({ type: "message.send", chat_id: chatId, client_id: "e2", text: "after" });
		await b.waitFor((f) => f.type === "message.new" && f.seq === 2);
		await evictDurableObject(roomOf(env, chatId));
		await send(alice, chatId, "rest");
		await b.waitFor((f) => f.type === "message.new" && f.seq === 3);
		await b.framesBeforePong();
		expect(seqs(b)).toEqual([1, 2, 3]);
		for (const ws of [a, b]) ws.close();
	});

	it("a socket the room has no record of still gets an answer with its id, then a close that says reconnect", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const room = roomOf(env, chatId);
		for (const transport of ["json", "msgpack"] as const) {
			const a = await WsClient.connectChat(alice, chatId, { transport });
			// An attachment the room cannot read as a viewer (one written before socketId existed), read back on wake.
			await runInDurableObject(room, (_, state) => {
				for (const ws of state.getWebSockets()) ws.serializeAttachment({ userId: alice.id, lastSeq: 0 });
			});
			await evictDurableObject(room);
			const reply = await a.call({ type: "message.send", client_id: `lost-${transport}`, text: "hi" });
			expect(reply).toMatchObject({ type: "error", code: 409, reason: "NOT_VIEWING" });
			for (let i = 0; i < 100 && !a.closed; i++) await sleep(20);
			expect(a.closed?.code).toBe(1012);
			// Nothing was stored, and a new socket views the chat again.
			const b = await WsClient.connectChat(alice, chatId, { transport });
			expect(await b.request({ type: "chat.subscribe", after_seq: 0 })).toMatchObject({ last_seq: 0 });
			b.close();
		}
	});

	it("every device hears every event: while one device views the chat, another gets it through the hub", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const room = roomOf(env, chatId);
		const hubWanted = () =>
			runInDurableObject(room, (_, state) =>
				state.storage.sql
					.exec<{ user_id: string }>("SELECT user_id FROM hub_wants")
					.toArray()
					.map((r) => r.user_id),
			);
		const until = async (check: () => Promise<boolean>) => {
			for (let i = 0; i < 100 && !(await check()); i++) await sleep(20);
			expect(await check()).toBe(true);
		};
		// Bob's desktop has the chat open and its hub socket connected (one session, one device).
		const desk = await WsClient.connectChat(bob, chatId);
		const deskHub = await WsClient.connect(bob);
		await until(async () => !(await hubWanted()).includes(bob.id));
		// Bob's phone (another session) connects to the hub only: the room learns the hub wants the chat.
		const phone = await WsClient.connect(await otherDevice(bob));
		await until(async () => (await hubWanted()).includes(bob.id));

		await send(alice, chatId, "one");
		await desk.waitFor((f) => f.type === "message.new" && f.seq === 1);
		const inbox = await phone.waitFor((f) => f.type === "inbox" && f.seq === 1);
		expect(inbox).toMatchObject({ chat_id: chatId, unread: 1, last_message: { text: "one" } });
		// The phone opens the chat on its hub socket: full events from then on.
		await phone.request({ type: "chat.subscribe", chat_id: chatId, after_seq: 1 });
		await send(alice, chatId, "two");
		const two = await phone.waitFor((f) => f.type === "message.new" && f.seq === 2);
		expect((two.message as M).text).toBe("two");
		await desk.waitFor((f) => f.type === "message.new" && f.seq === 2);

		// The phone goes away: the room stops calling Bob's hub for this chat.
		phone.close();
		await until(async () => !(await hubWanted()).includes(bob.id));
		await send(alice, chatId, "three");
		await desk.waitFor((f) => f.type === "message.new" && f.seq === 3);
		// The desktop's own hub socket never got an inbox for the chat it shows.
		expect(await deskHub.framesBeforePong(0, (f) => f.type === "inbox")).toEqual([]);
		await desk.framesBeforePong();
		expect(seqs(desk)).toEqual([1, 2, 3]);
		// The desktop closes the chat: the room forgets the socket and the hub hears every event again.
		desk.close();
		const viewing = (r: unknown) => (r as { viewers: { size: number } }).viewers.size;
		await until(async () => (await runInDurableObject(room, viewing)) === 0);
		await send(alice, chatId, "four");
		const four = await deskHub.waitFor((f) => f.type === "inbox" && f.seq === 4);
		expect(four).toMatchObject({ last_message: { text: "four" } });
		deskHub.close();
	});

	it("denies non-members, invitees and bad handshakes before the upgrade", async () => {
		const [alice, bob, mallory] = [await createTestUser(), await createTestUser(), await createTestUser()];
		const chat = await createGroup(alice, "Private", [bob.id]);
		const json = { "Sec-WebSocket-Protocol": "json" };
		const out = await chatUpgrade(chat.id, `?ticket=${await mintTicket(mallory)}`, json);
		expect(out.status).toBe(404);
		expect(await errorCode(out)).toBe("NOT_FOUND");
		const ghost = await chatUpgrade(crypto.randomUUID(), `?ticket=${await mintTicket(alice)}`, json);
		expect(ghost.status).toBe(404);
		// Bob is only invited.
		const invited = await chatUpgrade(chat.id, `?ticket=${await mintTicket(bob)}`, json);
		expect(invited.status).toBe(403);
		const ticket = await mintTicket(alice);
		const xml = await chatUpgrade(chat.id, `?ticket=${ticket}`, { "Sec-WebSocket-Protocol": "xml" });
		expect(xml.status).toBe(501);
		expect(await errorCode(xml)).toBe("UNSUPPORTED_TRANSPORT");
		const origin = await chatUpgrade(chat.id, `?ticket=${ticket}`, {
			...json,
			Origin: "https://evil.example",
		});
		expect(origin.status).toBe(403);
		expect(await errorCode(origin)).toBe("ORIGIN_NOT_ALLOWED");
		const forged = await chatUpgrade(chat.id, `?ticket=${alice.id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, json);
		expect(forged.status).toBe(401);
		// The ticket survived the refusals above (checked before it is spent) and works once.
		const ok = await chatUpgrade(chat.id, `?ticket=${ticket}`, json);
		expect(ok.status).toBe(101);
		ok.webSocket?.accept();
		ok.webSocket?.close();
		const reused = await chatUpgrade(chat.id, `?ticket=${ticket}`, json);
		expect(reused.status).toBe(401);
		// Mallory's failed try sent nothing to the chat.
		const h = await roomOf(env, chat.id).history(chat.id, alice.id, {});
		expect(h.ok && h.value.items).toEqual([]);
	});

	it("bad frames get error frames and change nothing; repeated ones close with 1008", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const other = await activeGroup(alice, [bob], "Other");
		const a = await WsClient.connectChat(alice, chatId);
		const wrong = await a.call({ type: "message.send", chat_id: other, client_id: "x", text: "hi" });
		expect(wrong).toMatchObject({ type: "error", code: 400, reason: "WRONG_CHAT" });
		const hubOnly = await a.call({ type: "chat.list" });
		expect(hubOnly).toMatchObject({ type: "error", code: 400, reason: "NOT_ON_CHAT_SOCKET" });
		const invalid = await a.call({ type: "message.send", chat_id: chatId, client_id: "x", text: "" });
		expect(invalid).toMatchObject({ type: "error", code: 400, reason: "VALIDATION_FAILED" });
		const unknown = await a.call({ type: "nope" });
		expect(unknown).toMatchObject({ type: "error", code: 404, reason: "UNKNOWN_TYPE" });
		const h = await roomOf(env, chatId).history(chatId, alice.id, {});
		expect(h.ok && h.value.items).toEqual([]);
		for (let i = 0; i < 5; i++) a.sendRaw("{not json");
		await a.waitFor((f: Frame) => f.type === "error" && f.reason === "UNDECODABLE");
		for (let i = 0; i < 50 && !a.closed; i++) await sleep(20);
		expect(a.closed?.code).toBe(1008);
	});

	it("a retried send returns the original message and is delivered once", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const a = await WsClient.connectChat(alice, chatId, { transport: "msgpack" });
		const b = await WsClient.connectChat(bob, chatId);
		const frame = { type: "message.send", chat_id: chatId, client_id: "same", text: "once" };
		const first = await a.request<{ message: M; duplicate: boolean }>(frame);
		const second = await a.request<{ message: M; duplicate: boolean }>(frame);
		expect(first.duplicate).toBe(false);
		expect(second).toEqual({ message: first.message, duplicate: true });
		await b.waitFor((f) => f.type === "message.new");
		await b.framesBeforePong();
		expect(seqs(b)).toEqual([1]);
		for (const ws of [a, b]) ws.close();
	});
});

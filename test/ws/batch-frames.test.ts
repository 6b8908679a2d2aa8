import { env, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomOf } from "../../src/domain/chats/deps";
import { activeGroup, send } from "../chats/helpers";
import { errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { type Frame, mintTicket, WsClient } from "../helpers/ws-client";

type M = { seq: number; text: string };

/** Every event a socket got, with `events` frames unpacked, in arrival order. */
const flat = (ws: WsClient): Frame[] =>
	ws.frames.flatMap((f) => (f.type === "events" ? (f.events as Frame[]) : [f]));
const newSeqs = (ws: WsClient) =>
	flat(ws)
		.filter((f) => f.type === "message.new")
		.map((f) => (f.message as M).seq);

describe("batch=1: several events in one frame under load", () => {
	it("a busy room packs events into `events` frames for sockets that asked; others get one frame each, same events, same order", async () => {
		const [alice, bob, carol] = [await createTestUser(), await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob, carol], "Batch");
		const packed = await WsClient.connectChat(bob, chatId, { batch: true });
		const packedMsgpack = await WsClient.connectChat(carol, chatId, { batch: true, transport: "msgpack" });
		const single = await WsClient.connectChat(alice, chatId);
		expect(packed.frames[0]).toMatchObject({ type: "hello", batch: true });
		expect(single.frames[0]).toMatchObject({ type: "hello", batch: false });

		// A quiet room: the first message goes out at once, alone, as itself.
		await send(alice, chatId, "first");
		await packed.waitFor((f) => f.type === "message.new" && f.seq === 1);

		// Five sends in one burst inside the room: the first opens the outbox window and the
		// other four go out together when it closes.
		await runInDurableObject(roomOf(env, chatId), async (room) => {
			const results = await Promise.all(
				[2, 3, 4, 5, 6].map((n) => room.send(chatId, alice.id, { client_id: `burst-${n}`, text: `m${n}` })),
			);
			expect(results.every((r) => r.ok)).toBe(true);
		});
		for (const ws of [packed, packedMsgpack, single]) await ws.waitFor(() => newSeqs(ws).includes(6));
		for (const ws of [packed, packedMsgpack, single]) await ws.framesBeforePong();

		const frames = packed.frames.filter((f) => f.type === "events");
		expect(frames.length).toBeGreaterThan(0);
		for (const f of frames) {
			expect(f.chat_id).toBe(chatId);
			expect((f.events as Frame[]).length).toBeGreaterThan(1);
		}
		expect(packedMsgpack.frames.some((f) => f.type === "events")).toBe(true);
		// Exactly once and in seq order, whichever way they were packed.
		for (const ws of [packed, packedMsgpack, single]) expect(newSeqs(ws)).toEqual([1, 2, 3, 4, 5, 6]);
		expect(flat(packed).map((f) => (f.type === "message.new" ? (f.message as M).text : null))).toContain(
			"m4",
		);
		// The socket that did not ask never sees an `events` frame.
		expect(single.frames.some((f) => f.type === "events")).toBe(false);
		expect(single.events("message.new")).toHaveLength(6);
		for (const ws of [packed, packedMsgpack, single]) ws.close();
	});

	it("a batching socket resumes by seq like any other: replay after a gap, then live", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob], "Batch resume");
		for (const t of ["a", "b", "c"]) await send(alice, chatId, t);
		const b = await WsClient.connectChat(bob, chatId, { batch: true, afterSeq: 1 });
		await b.waitFor((f) => f.type === "message.new" && f.seq === 3);
		await send(alice, chatId, "d");
		await b.waitFor(() => newSeqs(b).includes(4));
		expect(newSeqs(b)).toEqual([2, 3, 4]);
		b.close();
	});

	it("hub sockets too: a subscribed hub socket with batch=1 gets a room's coalesced delivery as one `events` frame", async () => {
		const [alice, bob, carol] = [await createTestUser(), await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob, carol], "Batch hub");
		const packed = await WsClient.connect(bob, { batch: true });
		const single = await WsClient.connect(carol);
		expect(packed.frames[0]).toMatchObject({ type: "hello", batch: true });
		for (const ws of [packed, single]) await ws.request({ type: "chat.subscribe", chat_id: chatId });

		// Nine sends in one burst: the room's outbox and its per-hub queue (one RPC in flight)
		// hand the hubs several events at once after the first.
		await runInDurableObject(roomOf(env, chatId), async (room) => {
			const results = await Promise.all(
				[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) =>
					room.send(chatId, alice.id, { client_id: `hub-burst-${n}`, text: `h${n}` }),
				),
			);
			expect(results.every((r) => r.ok)).toBe(true);
		});
		for (const ws of [packed, single]) await ws.waitFor(() => newSeqs(ws).includes(9));
		for (const ws of [packed, single]) await ws.framesBeforePong();
		expect(packed.frames.some((f) => f.type === "events" && (f.events as Frame[]).length > 1)).toBe(true);
		for (const ws of [packed, single]) expect(newSeqs(ws)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(single.frames.some((f) => f.type === "events")).toBe(false);
		for (const ws of [packed, single]) ws.close();
	});

	it("batch=1 opens nothing for someone who must not get in: a non-member (404) or a bad ticket (401)", async () => {
		const [alice, bob, mallory] = [await createTestUser(), await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob], "Batch members only");
		const upgrade = (path: string) =>
			exports.default.fetch(
				new Request(`https://hatch.test${path}`, {
					headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
				}),
			);
		const ticket = encodeURIComponent(await mintTicket(mallory));
		const nonMember = await upgrade(`/v1/chats/${chatId}/ws?ticket=${ticket}&batch=1`);
		expect(nonMember.status).toBe(404);
		expect(nonMember.webSocket).toBeNull();
		expect(await errorCode(nonMember)).toBe("NOT_FOUND");
		const forged = `${bob.id}.not-the-secret-at-all`;
		for (const path of [
			`/v1/chats/${chatId}/ws?ticket=${forged}&batch=1`,
			`/v1/ws?ticket=${forged}&batch=1`,
		]) {
			const res = await upgrade(path);
			expect(res.status).toBe(401);
			expect(res.webSocket).toBeNull();
			expect(await errorCode(res)).toBe("INVALID_TICKET");
		}
	});

	it("refuses a batch value other than 0 or 1 before the upgrade (400, no socket)", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob], "Batch bad");
		const ticket = await mintTicket(bob);
		const res = await exports.default.fetch(
			new Request(`https://hatch.test/v1/chats/${chatId}/ws?ticket=${encodeURIComponent(ticket)}&batch=yes`, {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
			}),
		);
		expect(res.status).toBe(400);
		expect(res.webSocket).toBeNull();
		expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		const hub = await exports.default.fetch(
			new Request(`https://hatch.test/v1/ws?ticket=${encodeURIComponent(await mintTicket(bob))}&batch=2`, {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
			}),
		);
		expect(hub.status).toBe(400);
		expect(await errorCode(hub)).toBe("VALIDATION_FAILED");
	});
});

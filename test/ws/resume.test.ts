import { describe, expect, it } from "vitest";
import { activeGroup, send } from "../chats/helpers";
import { createTestUser, type TestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";

/**
 * Issue 13 item 3: `chat.subscribe {after_seq: N}` sends every message after
 * N, then live, whatever the socket was sent before; nothing falls between
 * the replay and live, and nothing in that stream comes twice.
 */

const seqs = (ws: WsClient, chatId: string) => ws.events("message.new", chatId).map((f) => f.seq as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function fill(user: TestUser, chatId: string, n: number) {
	for (let i = 0; i < n; i++) await send(user, chatId, `m${i}`);
}

type Opened = { ws: WsClient; live: () => Promise<unknown> };

/** Bob's socket of each kind, live at the room's last seq with nothing replayed. */
const sockets: Record<string, (bob: TestUser, chatId: string) => Promise<Opened>> = {
	"chat-viewing socket": async (bob, chatId) => {
		const ws = await WsClient.connectChat(bob, chatId);
		return { ws, live: async () => {} };
	},
	"hub socket": async (bob, chatId) => {
		const ws = await WsClient.connect(bob);
		return { ws, live: () => ws.request({ type: "chat.subscribe", chat_id: chatId }) };
	},
};

describe.each(Object.keys(sockets))("resume on the %s", (kind) => {
	it("a socket that got live seq 53 and subscribes from 41 gets 42..53, then live 54, each once", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		await fill(alice, chatId, 52);
		const { ws, live } = await (sockets[kind] as (b: TestUser, c: string) => Promise<Opened>)(bob, chatId);
		await live();
		await send(alice, chatId, "53");
		await ws.waitFor((f) => f.type === "message.new" && f.seq === 53);
		expect(seqs(ws, chatId)).toEqual([53]);

		const sub = await ws.request<{ replayed: number; more: boolean; last_seq: number }>({
			type: "chat.subscribe",
			chat_id: chatId,
			after_seq: 41,
		});
		expect(sub).toMatchObject({ replayed: 12, more: false, last_seq: 53 });
		await send(alice, chatId, "54");
		await ws.waitFor((f) => f.type === "message.new" && f.seq === 54);
		expect(seqs(ws, chatId)).toEqual([53, ...range(42, 54)]);

		// Asking again from 41 answers the same way (not "replayed: 0"), and live goes on from there.
		const again = await ws.request<{ replayed: number }>({
			type: "chat.subscribe",
			chat_id: chatId,
			after_seq: 41,
		});
		expect(again.replayed).toBe(13);
		await send(alice, chatId, "55");
		await ws.waitFor((f) => f.type === "message.new" && f.seq === 55);
		expect(seqs(ws, chatId)).toEqual([53, ...range(42, 54), ...range(42, 55)]);
		ws.close();
	});

	it("messages written while the replay goes out come after it, once each, in order", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		await fill(alice, chatId, 45);
		const { ws, live } = await (sockets[kind] as (b: TestUser, c: string) => Promise<Opened>)(bob, chatId);
		await live();
		const writing = Promise.all(range(1, 30).map((i) => send(alice, chatId, `during ${i}`)));
		await ws.request({ type: "chat.subscribe", chat_id: chatId, after_seq: 10 });
		await writing;
		await send(alice, chatId, "last");
		await ws.waitFor((f) => f.type === "message.new" && f.seq === 76);
		// Live messages before the subscribe may come first; from the replay's first message on, 11..76 exactly.
		const got = seqs(ws, chatId);
		expect(got.slice(got.indexOf(11))).toEqual(range(11, 76));
		ws.close();
	});
});

import { env } from "cloudflare:test";
import { LIMITS } from "@hatch/contract/limits";
import { describe, expect, it } from "vitest";
import { roomOf } from "../../src/domain/chats/deps";
import { activeGroup } from "../chats/helpers";
import { withGuardClockStopped } from "../helpers/guard-clock";
import { createTestUser, type TestUser } from "../helpers/users";
import { sleep, WsClient } from "../helpers/ws-client";

/**
 * Issue 13 items 12 and 16: every request gets exactly one reply carrying its
 * id (rate-limited ones too), the chat-viewing socket implies its own chat,
 * and malformed `call.*` frames are bad frames like any other.
 */

const open: Record<string, (u: TestUser, chatId: string) => Promise<WsClient>> = {
	"hub socket": (u) => WsClient.connect(u),
	"chat-viewing socket": (u, chatId) => WsClient.connectChat(u, chatId),
};

const replies = (ws: WsClient) => ws.frames.filter((f) => f.type === "result" || f.type === "error");

describe.each(Object.keys(open))("the %s", (kind) => {
	const connect = open[kind] as (u: TestUser, chatId: string) => Promise<WsClient>;

	it("answers every request exactly once with its id, rate-limited (429) ones included", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const ws = await connect(alice, await activeGroup(alice, [bob]));
		const total = LIMITS.FRAMES_BURST + 20;
		const got = await withGuardClockStopped(async () => {
			for (let i = 0; i < total; i++) ws.send({ type: "ping", id: `p${i}` });
			return ws.waitForCount((f) => f.type === "result" || f.type === "error", total);
		});
		expect(got.map((f) => f.id).sort()).toEqual(Array.from({ length: total }, (_, i) => `p${i}`).sort());
		const limited = got.filter((f) => f.type === "error");
		expect(limited.length).toBeGreaterThan(0);
		// With the clock stopped exactly the burst passes.
		expect(limited).toHaveLength(total - LIMITS.FRAMES_BURST);
		for (const f of limited)
			expect(f).toMatchObject({ code: 429, reason: "RATE_LIMITED", retry_after_ms: expect.any(Number) });
		// Nothing else arrives for them: a marker request answered after a pause is the next reply.
		await sleep(LIMITS.FRAMES_BURST * (1000 / LIMITS.FRAMES_PER_S));
		expect(await ws.request({ type: "ping" })).toHaveProperty("pong");
		expect(replies(ws)).toHaveLength(total + 1);
		ws.close();
	});

	it("counts malformed call.* frames toward the bad frames that close it (1008)", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const ws = await connect(alice, await activeGroup(alice, [bob]));
		const malformed = [
			{ type: "call.offer", id: "c0" },
			{ type: "call.offer", id: "c1", callee: bob.id, sdp: "not sdp" },
			{ type: "call.ice", id: "c2", candidate: 5 },
			{ type: "call.nope", id: "c3" },
			{ type: "call.bye", id: "c4", code: 99 },
		];
		expect(malformed).toHaveLength(LIMITS.BAD_FRAMES_MAX);
		const first = await ws.call(malformed[0] as { type: string; id: string });
		expect(first).toMatchObject({ type: "error", id: "c0", code: 400, reason: "VALIDATION_FAILED" });
		const unknown = await ws.call(malformed[3] as { type: string; id: string });
		expect(unknown).toMatchObject({ type: "error", id: "c3", code: 404, reason: "UNKNOWN_TYPE" });
		for (const f of [malformed[1], malformed[2], malformed[4]]) ws.send(f as { type: string; id: string });
		const deadline = Date.now() + 5000;
		while (!ws.closed && Date.now() < deadline) await sleep(20);
		expect(ws.closed?.code).toBe(1008);
		expect(ws.events("error").map((f) => f.id)).toEqual(["c0", "c3", "c1", "c2", "c4"]);
	});
});

describe("the chat-viewing socket implies its chat", () => {
	it("chat.subscribe and message.send without chat_id use the socket's chat; another chat's id is WRONG_CHAT", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const other = await activeGroup(alice, [bob], "Other");
		const a = await WsClient.connectChat(alice, chatId);
		const sent = await a.request<{ message: { seq: number; chat_id: string } }>({
			type: "message.send",
			client_id: "implied",
			text: "no chat_id",
		});
		expect(sent.message).toMatchObject({ seq: 1, chat_id: chatId });
		const b = await WsClient.connectChat(bob, chatId);
		const sub = await b.request({ type: "chat.subscribe", after_seq: 0 });
		expect(sub).toMatchObject({ chat_id: chatId, replayed: 1 });
		await b.waitFor((f) => f.type === "message.new" && f.seq === 1);
		const typing = await b.request({ type: "chat.typing" });
		expect(typing).toEqual({ sent: true });

		const wrong = await a.call({ type: "message.send", chat_id: other, client_id: "w", text: "x" });
		expect(wrong).toMatchObject({ type: "error", code: 400, reason: "WRONG_CHAT" });
		const wrongSub = await a.call({ type: "chat.subscribe", chat_id: other });
		expect(wrongSub).toMatchObject({ type: "error", code: 400, reason: "WRONG_CHAT" });
		const h = await roomOf(env, other).history(other, alice.id, {});
		expect(h.ok && h.value.items).toEqual([]);
		for (const ws of [a, b]) ws.close();
	});

	it("the hub socket still needs chat_id (400 VALIDATION_FAILED), and nothing is sent", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const hub = await WsClient.connect(alice);
		const refused = await hub.call({ type: "message.send", client_id: "x", text: "where?" });
		expect(refused).toMatchObject({ type: "error", code: 400, reason: "VALIDATION_FAILED" });
		const h = await roomOf(env, chatId).history(chatId, alice.id, {});
		expect(h.ok && h.value.items).toEqual([]);
		hub.close();
	});
});

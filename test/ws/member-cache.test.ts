import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ChatRoom } from "../../durable-objects/chat-room";
import { MEMBERS_FRESH_MS } from "../../durable-objects/chat-room/membership";
import { roomOf } from "../../src/domain/chats/deps";
import { activeGroup, send } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { type Frame, sleep, WsClient } from "../helpers/ws-client";

/**
 * Issue 13 item 6: a removal takes effect in the ChatRoom even when the
 * `membersChanged` call after the D1 change fails: the room trusts its
 * member list for at most MEMBERS_FRESH_MS.
 */
describe("the ChatRoom's member list when membersChanged fails", () => {
	it("a removed member loses access within MEMBERS_FRESH_MS: requests refused, viewing socket closed 4403", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		await send(alice, chatId, "before");
		const viewer = await WsClient.connectChat(bob, chatId);
		expect(await viewer.request({ type: "message.history" })).toMatchObject({ items: [{ seq: 1 }] });

		// Inject the failure: every membersChanged call throws, as an unreachable room would.
		const original = ChatRoom.prototype.membersChanged;
		let failed = 0;
		ChatRoom.prototype.membersChanged = async () => {
			failed++;
			throw new Error("injected: room unreachable");
		};
		let removedAt: number;
		try {
			const res = await api(`/v1/chats/${chatId}/members/${bob.id}`, {
				method: "DELETE",
				headers: alice.auth,
			});
			expect(res.status).toBeLessThan(300); // D1 changed: the action succeeded, whatever the room heard
			removedAt = Date.now();
		} finally {
			ChatRoom.prototype.membersChanged = original;
		}
		expect(failed).toBe(1);

		// Bob keeps asking; within the bound the room rereads D1, closes his socket and refuses him.
		let refused: Frame | null = null;
		while (!viewer.closed && !refused && Date.now() - removedAt < MEMBERS_FRESH_MS + 3000) {
			const r = await viewer.call({ type: "message.history" }, 1000).catch(() => null);
			if (r?.type === "error") refused = r;
			else await sleep(200);
		}
		for (let i = 0; i < 50 && !viewer.closed; i++) await sleep(20);
		expect(viewer.closed?.code).toBe(4403);
		expect(Date.now() - removedAt).toBeLessThan(MEMBERS_FRESH_MS + 3000);
		if (refused) expect(refused).toMatchObject({ code: 404, reason: "NOT_FOUND" });

		// Every path into the room refuses him now; Alice's new messages reach nobody of his.
		const sent = await roomOf(env, chatId).send(chatId, bob.id, { client_id: "late", text: "still here?" });
		expect(sent.ok).toBe(false);
		const replay = await roomOf(env, chatId).replay(chatId, bob.id, 0);
		expect(replay.ok).toBe(false);
		const upgrade = await WsClient.connectChat(bob, chatId).catch((e: Error) => e.message);
		expect(upgrade).toMatch(/^upgrade: 404/);
		const h = await roomOf(env, chatId).history(chatId, alice.id, {});
		expect(h.ok && h.value.items.map((m) => m.text)).toEqual(["before"]);
	});
});

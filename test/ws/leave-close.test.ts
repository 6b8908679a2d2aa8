import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../../durable-objects/chat-room";
import { roomOf } from "../../src/domain/chats/deps";
import { activeGroup } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { sleep, WsClient } from "../helpers/ws-client";

/** Issue 13 item 17: a member who leaves or is removed has the chat-viewing socket closed at once (4403), fully. */
describe("leaving closes the chat-viewing socket promptly", () => {
	for (const how of ["leaves", "is removed"] as const)
		it(`a member who ${how}: the client's close event (4403) comes within a second`, async () => {
			const [alice, bob] = [await createTestUser(), await createTestUser()];
			const chatId = await activeGroup(alice, [bob]);
			const viewer = await WsClient.connectChat(bob, chatId);
			const started = Date.now();
			const res =
				how === "leaves"
					? await api(`/v1/chats/${chatId}/leave`, { method: "POST", headers: bob.auth })
					: await api(`/v1/chats/${chatId}/members/${bob.id}`, { method: "DELETE", headers: alice.auth });
			expect(res.status).toBeLessThan(300);
			while (!viewer.closed && Date.now() - started < 5000) await sleep(20);
			expect(viewer.closed?.code).toBe(4403);
			expect(Date.now() - started).toBeLessThan(1000);
		});

	it("frames that reach the room after it closed the socket are not processed", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const viewer = await WsClient.connectChat(bob, chatId);
		const room = roomOf(env, chatId);
		await runInDurableObject(room, async (instance: ChatRoom, state) => {
			const [ws] = state.getWebSockets(bob.id);
			if (!ws) throw new Error("no viewing socket");
			// The room closes it (as for a member who left); a frame already on the wire lands afterwards.
			const viewers = (instance as unknown as { viewers: { closeUser(u: string, r: string): unknown[] } })
				.viewers;
			expect(viewers.closeUser(bob.id, "No longer a member")).toHaveLength(1);
			await instance.webSocketMessage(
				ws,
				JSON.stringify({ type: "message.send", id: 1, client_id: "late", text: "after the close" }),
			);
		});
		const h = await room.history(chatId, alice.id, {});
		expect(h.ok && h.value.items).toEqual([]);
		viewer.close();
	});
});

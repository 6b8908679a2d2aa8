import { describe, expect, it } from "vitest";
import { activeGroup, send } from "../chats/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";

const evict = (json: unknown) => api("/v1/dev/evict", { method: "POST", json });

describe("POST /v1/dev/evict (development only, for bench/chaos)", () => {
	it("evicts a chat's ChatRoom: its viewing socket is disconnected, and the log survives for the next socket", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob], "Evict");
		await send(alice, chatId, "before");
		const viewer = await WsClient.connectChat(bob, chatId);
		const res = await evict({ kind: "chat", id: chatId });
		expect(res.status).toBe(204);
		const until = Date.now() + 10_000;
		while (!viewer.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
		expect(viewer.closed).not.toBeNull();
		const again = await WsClient.connectChat(bob, chatId);
		const r = await again.request<{ replayed: number }>({
			type: "chat.subscribe",
			chat_id: chatId,
			after_seq: 0,
		});
		expect(r.replayed).toBe(1);
		again.close();
	});

	it("evicts a user's UserHub: its hub socket is disconnected", async () => {
		const alice = await createTestUser();
		const hub = await WsClient.connect(alice);
		expect((await evict({ kind: "hub", id: alice.id })).status).toBe(204);
		const until = Date.now() + 10_000;
		while (!hub.closed && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
		expect(hub.closed).not.toBeNull();
	});

	it("refuses a body it cannot read with a stable code", async () => {
		const res = await evict({ kind: "room", id: "x" });
		expect(res.status).toBe(400);
		expect(typeof (await errorCode(res))).toBe("string");
	});
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { E2eDevice } from "./crypto-client";
import { activeGroupE2e } from "./helpers";

type E2eMsg = {
	seq: number;
	id: string;
	text: string;
	e2e?: { group_id: string; sender_device_id: string; copies: { device_id: string; ciphertext: string }[] };
};

async function threeMembers() {
	const [a, b, c] = [await createTestUser(), await createTestUser(), await createTestUser()];
	const chatId = await activeGroupE2e(a, [b, c]);
	const devices = {
		a1: await E2eDevice.create(a, "a-laptop"),
		a2: await E2eDevice.create(a, "a-phone"),
		b1: await E2eDevice.create(b, "b-phone"),
		c1: await E2eDevice.create(c, "c-phone"),
	};
	for (const d of Object.values(devices)) expect((await d.publish()).status).toBe(200);
	return { a, b, c, chatId, devices };
}

async function history(user: { auth: Record<string, string> }, chatId: string) {
	const res = await api(`/v1/chats/${chatId}/messages`, { headers: user.auth });
	expect(res.status).toBe(200);
	return ((await res.json()) as { items: E2eMsg[] }).items;
}

describe("e2e chats: message groups", () => {
	it("three members each decrypt only their own copy, over REST and the socket; the server stores no plaintext", async () => {
		const { a, b, c, chatId, devices } = await threeMembers();
		const bSocket = await WsClient.connect(b);
		await bSocket.request({ type: "chat.subscribe", chat_id: chatId });
		const dir = await devices.a1.directory(chatId);
		expect(dir.map((d) => d.device_id).sort()).toEqual(["a-laptop", "a-phone", "b-phone", "c-phone"]);
		const secret = "meet at the north gate";
		const copies = await devices.a1.encryptFor(dir, secret);
		expect(copies).toHaveLength(3); // a-phone, b-phone, c-phone
		const res = await devices.a1.send(chatId, copies);
		expect(res.status).toBe(201);
		const { message } = (await res.json()) as { message: E2eMsg };
		expect(message.text).toBe("");
		// The sender (a user) gets the copies of their own other devices, never the other members'.
		expect(message.e2e?.copies.map((x) => x.device_id)).toEqual(["a-phone"]);

		const live = await bSocket.waitFor((f) => f.type === "message.new" && f.chat_id === chatId);
		const liveMsg = live.message as E2eMsg;
		expect(liveMsg.e2e?.copies.map((x) => x.device_id)).toEqual(["b-phone"]);
		expect(await devices.b1.decrypt(devices.a1.publicKey, liveMsg.e2e?.copies[0]?.ciphertext ?? "")).toBe(
			secret,
		);
		bSocket.close();

		for (const [user, dev] of [
			[b, devices.b1],
			[c, devices.c1],
			[a, devices.a2],
		] as const) {
			const [m] = await history(user, chatId);
			expect(m?.e2e?.group_id).toBe(message.id);
			expect(m?.e2e?.sender_device_id).toBe("a-laptop");
			expect(m?.e2e?.copies.map((x) => x.device_id)).toEqual([dev.deviceId]);
			expect(await dev.decrypt(devices.a1.publicKey, m?.e2e?.copies[0]?.ciphertext ?? "")).toBe(secret);
		}
		// c cannot read b's copy: it is not handed out, and c's key does not open it anyway.
		const bCopy = copies.find((x) => x.device_id === "b-phone")?.ciphertext ?? "";
		await expect(devices.c1.decrypt(devices.a1.publicKey, bCopy)).rejects.toThrow();

		// Nothing readable at rest: the room's copies are ciphertext, the D1 keys are sealed.
		const room = env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(chatId));
		const { runInDurableObject } = await import("cloudflare:test");
		const stored = await runInDurableObject(room, (_o, state) =>
			JSON.stringify(state.storage.sql.exec("SELECT * FROM messages, e2e_copies").toArray()),
		);
		expect(stored).not.toContain(secret);
		const keyRows = await env.DB.prepare("SELECT public_key_enc FROM e2e_devices WHERE user_id = ?")
			.bind(a.id)
			.all<{ public_key_enc: string }>();
		for (const r of keyRows.results) {
			expect(r.public_key_enc.startsWith("v1.")).toBe(true);
			expect(r.public_key_enc).not.toContain(devices.a1.publicKey);
		}
	});

	it("refuses a group with a missing, unknown or duplicate device (E2E_KEYS_CHANGED), and plain text", async () => {
		const { chatId, devices, a } = await threeMembers();
		const dir = await devices.a1.directory(chatId);
		const copies = await devices.a1.encryptFor(dir, "x");
		const missing = await devices.a1.send(chatId, copies.slice(1));
		expect(missing.status).toBe(409);
		const body = (await missing.json()) as { error: { code: string; details: { missing: unknown[] } } };
		expect(body.error.code).toBe("E2E_KEYS_CHANGED");
		expect(body.error.details.missing).toEqual([
			{ user_id: copies[0]?.user_id, device_id: copies[0]?.device_id },
		]);
		const stranger = [...copies, { user_id: a.id, device_id: "old-tablet", ciphertext: "AAAA" }];
		expect(await errorCode(await devices.a1.send(chatId, stranger))).toBe("E2E_KEYS_CHANGED");
		expect(await errorCode(await devices.a1.send(chatId, [...copies, copies[0]]))).toBe("E2E_KEYS_CHANGED");
		// A new device of b appears: the old directory is stale.
		const b2 = await E2eDevice.create(devices.b1.user, "b-tablet");
		await b2.publish();
		expect(await errorCode(await devices.a1.send(chatId, copies))).toBe("E2E_KEYS_CHANGED");
		const plain = await api(`/v1/chats/${chatId}/messages`, {
			method: "POST",
			headers: a.auth,
			json: { client_id: "p1", text: "hello" },
		});
		expect(plain.status).toBe(409);
		expect(await errorCode(plain)).toBe("E2E_REQUIRED");
		expect(await history(a, chatId)).toEqual([]);
		const fresh = await devices.a1.encryptFor(await devices.a1.directory(chatId), "x");
		expect((await devices.a1.send(chatId, fresh)).status).toBe(201);
	});

	it("a non-member can fetch no copy and no key", async () => {
		const { chatId, devices } = await threeMembers();
		await devices.a1.send(chatId, await devices.a1.encryptFor(await devices.a1.directory(chatId), "secret"));
		const eve = await createTestUser();
		expect((await api(`/v1/chats/${chatId}/messages`, { headers: eve.auth })).status).toBe(404);
		expect((await api(`/v1/chats/${chatId}/messages/1`, { headers: eve.auth })).status).toBe(404);
		expect((await api(`/v1/chats/${chatId}/e2e/keys`, { headers: eve.auth })).status).toBe(404);
		const eveDev = await E2eDevice.create(eve, "eve");
		await eveDev.publish();
		expect((await eveDev.send(chatId, [])).status).toBe(400);
		expect(
			(await eveDev.send(chatId, [{ user_id: eve.id, device_id: "x", ciphertext: "AAAA" }])).status,
		).toBe(404);
	});

	it("a key change reaches the other members (and the owner's other devices), once per change", async () => {
		const { b, c, devices } = await threeMembers();
		const cSocket = await WsClient.connect(c);
		const bSocket = await WsClient.connect(b);
		const rotated = await E2eDevice.create(devices.a1.user, "a-laptop");
		const res = await rotated.publish();
		expect(((await res.json()) as { changed: boolean }).changed).toBe(true);
		for (const s of [cSocket, bSocket]) {
			const e = await s.waitFor((f) => f.type === "e2e.key_changed");
			expect(e).toMatchObject({ user_id: devices.a1.user.id, device_id: "a-laptop" });
			expect((e.fingerprint as string).length).toBe(64);
		}
		// The same key again is no change.
		expect(((await (await rotated.publish()).json()) as { changed: boolean }).changed).toBe(false);
		cSocket.close();
		bSocket.close();
	});

	it("edit sends a new group for the same seq; delete leaves a tombstone without copies", async () => {
		const { chatId, devices, b } = await threeMembers();
		const dir = await devices.a1.directory(chatId);
		const sent = (await (await devices.a1.send(chatId, await devices.a1.encryptFor(dir, "v1"))).json()) as {
			message: E2eMsg;
		};
		const edit = await api(`/v1/chats/${chatId}/e2e/messages/${sent.message.seq}`, {
			method: "PATCH",
			headers: devices.a1.user.auth,
			json: { device_id: "a-laptop", copies: await devices.a1.encryptFor(dir, "v2") },
		});
		expect(edit.status).toBe(200);
		const [m] = await history(b, chatId);
		expect(m?.e2e?.group_id).not.toBe(sent.message.e2e?.group_id);
		expect(await devices.b1.decrypt(devices.a1.publicKey, m?.e2e?.copies[0]?.ciphertext ?? "")).toBe("v2");
		const del = await api(`/v1/chats/${chatId}/messages/${sent.message.seq}`, {
			method: "DELETE",
			headers: devices.a1.user.auth,
		});
		expect(del.status).toBe(200);
		const [gone] = await history(b, chatId);
		expect(gone?.e2e).toBeUndefined();
		expect((gone as unknown as { deleted: boolean }).deleted).toBe(true);
	});

	it("the hub socket takes message.send_e2e under the same rule, and the reader gets their copy", async () => {
		const { a, b, chatId, devices } = await threeMembers();
		const aSocket = await WsClient.connect(a);
		const bSocket = await WsClient.connect(b);
		await bSocket.request({ type: "chat.subscribe", chat_id: chatId });
		const copies = await devices.a1.encryptFor(await devices.a1.directory(chatId), "over the socket");
		const refused = await aSocket.call({
			type: "message.send_e2e",
			chat_id: chatId,
			client_id: "s1",
			device_id: "a-laptop",
			copies: copies.slice(1),
		});
		expect(refused).toMatchObject({ type: "error", code: 409, reason: "E2E_KEYS_CHANGED" });
		const ok = await aSocket.call({
			type: "message.send_e2e",
			chat_id: chatId,
			client_id: "s1",
			device_id: "a-laptop",
			copies,
		});
		expect(ok.type).toBe("result");
		const live = await bSocket.waitFor((f) => f.type === "message.new" && f.chat_id === chatId);
		const m = live.message as E2eMsg;
		expect(m.e2e?.copies.map((c) => c.device_id)).toEqual(["b-phone"]);
		expect(await devices.b1.decrypt(devices.a1.publicKey, m.e2e?.copies[0]?.ciphertext ?? "")).toBe(
			"over the socket",
		);
		aSocket.close();
		bSocket.close();
	});
});

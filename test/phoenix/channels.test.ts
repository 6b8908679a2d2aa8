import { describe, expect, it } from "vitest";
import { E2eDevice } from "../e2e-chats/crypto-client";
import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";
import { bearer, register, type SignedIn } from "./helpers";
import { PhxClient } from "./phx-client";

type Item = {
	id: string;
	sender: string;
	content: string;
	inserted_at: string;
	updated_at: string;
	message_group: string;
};

/** Two Phoenix users with keys set, a private conversation between them, both joined to it. */
async function pair() {
	const alice = await register("Alice");
	const bob = await register("Bob");
	const a = await PhxClient.connect(alice.auth_token);
	const b = await PhxClient.connect(bob.auth_token);
	for (const [s, me] of [
		[a, alice],
		[b, bob],
	] as const) {
		expect(await s.join(`user:${me.user.id}`)).toEqual({ status: "ok", response: {} });
		const key = await s.push(`user:${me.user.id}`, "key:set", {
			public_key: `pk-${me.user.id}`,
			private_key: `sealed-by-client-${me.user.id}`,
		});
		expect(key.status).toBe("ok");
	}
	const created = await a.push(`user:${alice.user.id}`, "conversation:create", {
		private: true,
		user_ids: [bob.user.id],
	});
	expect(created.status).toBe("ok");
	const conversation = created.response.conversation as { id: string; private: boolean; alias: null };
	expect(conversation).toMatchObject({ private: true, alias: null });
	const topic = `conversation:${conversation.id}`;
	expect((await a.join(topic)).status).toBe("ok");
	expect((await b.join(topic)).status).toBe("ok");
	return { alice, bob, a, b, topic, conversationId: conversation.id };
}

describe("Phoenix channels under /compat/phoenix/socket", () => {
	it("heartbeat, refused joins with {reason}, unmatched topics, leave with phx_close", async () => {
		const me = await register();
		const other = await register();
		const s = await PhxClient.connect(me.auth_token);
		expect(await s.push("phoenix", "heartbeat", {}, null)).toEqual({ status: "ok", response: {} });
		expect(await s.join(`user:${other.user.id}`)).toEqual({
			status: "error",
			response: { reason: "unauthorized" },
		});
		expect(await s.join("conversation:00000000-0000-0000-0000-000000000000")).toEqual({
			status: "error",
			response: { reason: "unauthorized" },
		});
		expect(await s.join("lobby:1")).toEqual({ status: "error", response: { reason: "unmatched topic" } });
		expect((await s.push(`user:${me.user.id}`, "key:get")).response).toEqual({ reason: "unmatched topic" });
		expect((await s.join("system:general")).status).toBe("ok");
		expect(await s.push("system:general", "phx_leave")).toEqual({ status: "ok", response: {} });
		await s.event("system:general", "phx_close");
		expect((await PhxClient.upgrade("not-a-token")).status).toBe(401);
		s.close();
	});

	it("a message group reaches each member with only their own copy, over the channel and GET /api/messages", async () => {
		const { alice, bob, a, b, topic, conversationId } = await pair();
		const lookup = await api(`/compat/phoenix/api/conversations/private/${bob.user.id}`, {
			headers: bearer(alice),
		});
		expect(await lookup.json()).toEqual({ conversation_id: conversationId });
		const keys = await a.push(topic, "keys:get");
		expect((keys.response.keys as { user_id: string }[]).map((k) => k.user_id).sort()).toEqual(
			[alice.user.id, bob.user.id].sort(),
		);
		// A group that leaves Bob out is refused with the code that says: refresh the keys.
		const partial = await a.push(topic, "message:send", {
			messages: [{ recipient: alice.user.id, content: "for-alice" }],
		});
		expect(partial).toMatchObject({ status: "error", response: { reason: "e2e_keys_changed" } });
		const sent = await a.push(topic, "message:send", {
			messages: [
				{ recipient: alice.user.id, content: "ciphertext-for-alice" },
				{ recipient: bob.user.id, content: "ciphertext-for-bob" },
			],
		});
		expect(sent.status).toBe("ok");
		const [, , , , item] = await b.event(topic, "message:new");
		expect(item).toEqual({
			id: sent.response.id,
			sender: alice.user.id,
			content: "ciphertext-for-bob",
			inserted_at: expect.stringMatching(/Z$/),
			updated_at: expect.stringMatching(/Z$/),
			message_group: sent.response.message_group,
		});
		expect((await a.event(topic, "message:new"))[4].content).toBe("ciphertext-for-alice");
		for (const [who, mine] of [
			[bob, "ciphertext-for-bob"],
			[alice, "ciphertext-for-alice"],
		] as const) {
			const res = await api(`/compat/phoenix/api/messages?conversation_id=${conversationId}`, {
				headers: bearer(who),
			});
			const page = (await res.json()) as { items: Item[]; page_token: string | null };
			expect(page.items.map((i) => i.content)).toEqual([mine]);
			expect(page.page_token).toBeNull();
		}
		// Edit (a new group) and delete, addressed by message group.
		const edited = await a.push(topic, "message:edit", {
			message_group: sent.response.message_group,
			messages: [
				{ recipient: alice.user.id, content: "v2-alice" },
				{ recipient: bob.user.id, content: "v2-bob" },
			],
		});
		expect(edited.status).toBe("ok");
		expect((await b.event(topic, "message:edited"))[4]).toMatchObject({
			content: "v2-bob",
			message_group: edited.response.message_group,
		});
		expect((await b.push(topic, "typing")).status).toBe("ok");
		expect((await a.event(topic, "typing"))[4]).toEqual({ user_id: bob.user.id });
		expect(
			(await a.push(topic, "message:delete", { message_group: edited.response.message_group })).status,
		).toBe("ok");
		expect((await b.event(topic, "message:deleted"))[4]).toEqual({ id: sent.response.id });
		a.close();
		b.close();
	});

	it("a message sent natively reaches the Phoenix client; a key change reaches it as key:changed", async () => {
		const bob = await register("Bob");
		const native = await register("Native");
		const nativeUser: TestUser = {
			id: native.user.id,
			token: native.auth_token,
			email: native.user.email,
			sessionId: "",
			auth: bearer(native),
		};
		const b = await PhxClient.connect(bob.auth_token);
		await b.join(`user:${bob.user.id}`);
		await b.push(`user:${bob.user.id}`, "key:set", { public_key: "bob-public-key-0001" });
		const laptop = await E2eDevice.create(nativeUser, "laptop");
		await laptop.publish();
		const direct = await api("/v1/chats/direct", {
			method: "POST",
			headers: nativeUser.auth,
			json: { user: bob.user.id, e2e: true },
		});
		const chatId = ((await direct.json()) as { chat: { id: string } }).chat.id;
		const topic = `conversation:${chatId}`;
		expect((await b.join(topic)).status).toBe("ok");
		const copies = [{ user_id: bob.user.id, device_id: "phoenix", ciphertext: "native-to-bob" }];
		expect((await laptop.send(chatId, copies)).status).toBe(201);
		expect((await b.event(topic, "message:new"))[4]).toMatchObject({
			sender: native.user.id,
			content: "native-to-bob",
		});
		const rotated = await E2eDevice.create(nativeUser, "laptop");
		await rotated.publish();
		const [, , , , change] = await b.waitFor(
			(f) => f[2] === `user:${bob.user.id}` && f[3] === "key:changed" && f[4].user_id === native.user.id,
		);
		expect(change).toMatchObject({
			user_id: native.user.id,
			device_id: "laptop",
			conversation_ids: [chatId],
		});
		expect((await b.event(topic, "key:changed"))[4]).toMatchObject({ user_id: native.user.id });
		b.close();
	});

	it("signout_all closes the session's Phoenix sockets", async () => {
		const me: SignedIn = await register();
		const s = await PhxClient.connect(me.auth_token);
		expect((await s.join(`user:${me.user.id}`)).status).toBe("ok");
		expect(
			(await api("/compat/phoenix/api/signout_all", { method: "POST", headers: bearer(me) })).status,
		).toBe(204);
		await s.waitClosed();
		expect(s.closed?.code).toBe(4401);
		expect((await PhxClient.upgrade(me.auth_token)).status).toBe(401);
	});

	it("a group conversation has its alias; the invited member hears of it and accepts over the user channel", async () => {
		const alice = await register("Alice");
		const bob = await register("Bob");
		const a = await PhxClient.connect(alice.auth_token);
		const b = await PhxClient.connect(bob.auth_token);
		await a.join(`user:${alice.user.id}`);
		await b.join(`user:${bob.user.id}`);
		const created = await a.push(`user:${alice.user.id}`, "conversation:create", {
			private: false,
			user_ids: [bob.user.id],
			alias: "Besties 4eva",
		});
		expect(created.response.conversation).toMatchObject({ private: false, alias: "Besties 4eva" });
		const id = (created.response.conversation as { id: string }).id;
		const [, , , , invited] = await b.event(`user:${bob.user.id}`, "conversation:invited");
		expect(invited).toEqual({ conversation_id: id, alias: "Besties 4eva", from: alice.user.id });
		expect((await b.join(`conversation:${id}`)).response).toEqual({ reason: "unauthorized" });
		const accepted = await b.push(`user:${bob.user.id}`, "conversation:accept", { conversation_id: id });
		expect(accepted.response.conversation).toMatchObject({ id, alias: "Besties 4eva", private: false });
		expect((await b.join(`conversation:${id}`)).status).toBe("ok");
		const bad = await a.push(`user:${alice.user.id}`, "conversation:create", { private: true, user_ids: [] });
		expect(bad.response.reason).toBe("validation_failed");
		a.close();
		b.close();
	});
});

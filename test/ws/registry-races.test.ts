import { env, runInDurableObject } from "cloudflare:test";
import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { describe, expect, it } from "vitest";
import { UserHub } from "../../durable-objects/user-hub";
import { PHOENIX_SOCKET_PATH } from "../../durable-objects/user-hub/phoenix-socket";
import { MAX_VIEWS_PER_USER, type RegisteredView } from "../../durable-objects/view-registry";
import { hubOf, pushToDevices, registryOf } from "../../src/domain/chats/deps";
import { activeGroup, send } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, otherDevice } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { hubWanted, until } from "./view-helpers";

/** Races and holes around the ViewRegistry (durable-objects/view-registry.ts). */

const hubViewSockets = (userId: string) =>
	runInDurableObject(hubOf(env, userId), (_, state) =>
		state.storage.sql
			.exec<{ socket_id: string }>("SELECT socket_id FROM views ORDER BY socket_id")
			.toArray()
			.map((r) => r.socket_id),
	);

type RegistryStub = ReturnType<typeof registryOf>;

describe("the hub coming online while rooms report views", () => {
	it("a view opened and one closed while the hub reads the registry are kept as the rooms last said", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const phone = await otherDevice(bob);
		const registry = registryOf(env, bob.id);
		// The phone views the chat on a socket that will close while the desk's hub socket connects.
		await registry.view(bob.id, chatId, phone.sessionId, "closed-meanwhile", 1);
		// The hub has met Bob (a socket came and went).
		(await WsClient.connect(bob)).close();
		await until(async () => !(await registry.isOnline(bob.id)));
		// The hub's next `hubOnline` answer comes back after the rooms reported (to the registry, which had
		// the hub online already, and so to the hub) a view closed and one opened: what tell() does.
		await runInDurableObject(hubOf(env, bob.id), (hub: UserHub) => {
			const ctx = UserHub.context(hub) as { env: Env };
			const real = ctx.env.VIEW_REGISTRY;
			let raced = false;
			const wrap = (stub: RegistryStub) =>
				({
					view: (...a: Parameters<RegistryStub["view"]>) => stub.view(...a),
					isOnline: (u: string) => stub.isOnline(u),
					views: (u: string) => stub.views(u),
					revoke: (u: string, s: string[]) => stub.revoke(u, s),
					forget: (u: string, s: string[]) => stub.forget(u, s),
					hubOnline: async (u: string, online: boolean): Promise<RegisteredView[]> => {
						const views = await stub.hubOnline(u, online);
						if (online && !raced) {
							raced = true;
							const closed = await stub.view(u, chatId, phone.sessionId, "closed-meanwhile", -1);
							if (closed.online) await hub.viewing(u, chatId, phone.sessionId, -1, "closed-meanwhile");
							const opened = await stub.view(u, chatId, phone.sessionId, "opened-meanwhile", 1);
							if (opened.online) await hub.viewing(u, chatId, phone.sessionId, 1, "opened-meanwhile");
						}
						return views;
					},
				}) as unknown as RegistryStub;
			const ns = {
				idFromName: (n: string) => real.idFromName(n),
				get: (id: DurableObjectId) => wrap(real.get(id)),
			};
			ctx.env = Object.assign(Object.create(ctx.env), { VIEW_REGISTRY: ns });
		});
		const desk = await WsClient.connect(bob);
		expect((await registry.views(bob.id)).map((v) => v.socket_id)).toEqual(["opened-meanwhile"]);
		expect(await hubViewSockets(bob.id)).toEqual(["opened-meanwhile"]);
		desk.close();
	});
});

describe("a room's `hub_wants` when the hub has no socket", () => {
	it("a view opened while the hub is offline clears what the room kept from when another device was online", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const registry = registryOf(env, bob.id);
		const phoneHub = await WsClient.connect(await otherDevice(bob));
		const desk = await WsClient.connectChat(bob, chatId);
		// The phone is online and not viewing: the hub wants the chat.
		await until(async () => (await hubWanted(chatId)).includes(bob.id));
		desk.close();
		await until(async () => (await registry.views(bob.id)).length === 0);
		phoneHub.close();
		await until(async () => !(await registry.isOnline(bob.id)));
		// The desk opens the chat again, with no hub socket anywhere: nothing needs the chat through the hub,
		// or every message would wake it and push to a user who is reading the chat.
		const again = await WsClient.connectChat(bob, chatId);
		await until(async () => (await registry.views(bob.id)).length === 1);
		await until(async () => !(await hubWanted(chatId)).includes(bob.id));
		const m = await send(alice, chatId, "read on the desk");
		await again.waitFor((f) => f.type === "message.new" && f.seq === m.seq);
		again.close();
	});
});

describe("revocation reaches every socket of the session", () => {
	it("a Phoenix socket that reaches the hub after the hub heard of the revocation is refused", async () => {
		const alice = await createTestUser();
		const hub = hubOf(env, alice.id);
		expect(await hub.sessionsRevoked(alice.id, [alice.sessionId])).toEqual({ hub: 0, chats: 0 });
		// What the Phoenix route hands the hub once it found the session live in D1 (just before the revocation).
		const res = await hub.fetch(
			new Request(`https://hub${PHOENIX_SOCKET_PATH}`, {
				headers: { Upgrade: "websocket", "X-Hatch-User": alice.id, "X-Hatch-Session": alice.sessionId },
			}),
		);
		res.webSocket?.accept();
		res.webSocket?.close(1000, "test");
		expect(res.status).toBe(401);
		expect(await registryOf(env, alice.id).isOnline(alice.id)).toBe(false);
	});

	it(`a chat socket stays revocable with more than ${MAX_VIEWS_PER_USER} views of its session`, async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const [chatX, chatY] = [await activeGroup(bob, [alice], "X"), await activeGroup(bob, [alice], "Y")];
		const registry = registryOf(env, alice.id);
		const viewer = await WsClient.connectChat(alice, chatX);
		await until(async () => (await registry.views(alice.id)).length === 1);
		// The same session opens many more sockets in another chat (as its rooms report them).
		for (let i = 0; i < MAX_VIEWS_PER_USER; i++)
			await registry.view(alice.id, chatY, alice.sessionId, `y-${i}`, 1);
		expect((await api("/v1/auth/logout", { method: "POST", headers: alice.auth })).status).toBe(204);
		await until(async () => viewer.closed !== null);
		expect(viewer.closed).toEqual({ code: CLOSE_CODES.SESSION_REVOKED, reason: "Session revoked" });
	});
});

describe("a stale online bit heals", () => {
	it("a hub socket the registry could not be told of is closed to be reopened (else it would hear nothing)", async () => {
		const alice = await createTestUser();
		const registry = registryOf(env, alice.id);
		(await WsClient.connect(alice)).close();
		await until(async () => !(await registry.isOnline(alice.id)));
		const restore = await runInDurableObject(hubOf(env, alice.id), (hub: UserHub) => {
			const ctx = UserHub.context(hub) as { env: Env };
			const real = ctx.env;
			const down = {
				idFromName: (n: string) => real.VIEW_REGISTRY.idFromName(n),
				get: () => ({
					hubOnline: () => Promise.reject(new Error("registry unreachable")),
				}),
			};
			ctx.env = Object.assign(Object.create(real), { VIEW_REGISTRY: down });
			return () => {
				ctx.env = real;
			};
		});
		const lost = await WsClient.connect(alice);
		await until(async () => lost.closed !== null);
		expect(lost.closed?.code).toBe(CLOSE_CODES.REOPEN);
		expect(await registry.isOnline(alice.id)).toBe(false);
		await runInDurableObject(hubOf(env, alice.id), () => restore());
		const again = await WsClient.connect(alice);
		expect(await registry.isOnline(alice.id)).toBe(true);
		again.close();
	});

	it("an event for a hub the registry has online but that has no socket sets the registry right", async () => {
		const alice = await createTestUser();
		const registry = registryOf(env, alice.id);
		(await WsClient.connect(alice)).close();
		await until(async () => !(await registry.isOnline(alice.id)));
		// The hub lost its sockets without a close (a crash): the registry still has it online.
		await registry.hubOnline(alice.id, true);
		expect(await pushToDevices(env, alice.id, { type: "presence", user_id: "x", online: true })).toBe(0);
		await until(async () => !(await registry.isOnline(alice.id)));
	});
});

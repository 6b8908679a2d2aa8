import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_VIEWS_PER_USER } from "../../durable-objects/view-registry";
import { REGISTRY_SHARDS, registryOf, roomOf } from "../../src/domain/chats/deps";
import { activeGroup, send } from "../chats/helpers";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { until } from "./view-helpers";

const user = () => `user-${crypto.randomUUID()}`;

describe("ViewRegistry: views, the hub's online bit and revoked sessions of each user", () => {
	it("a hub coming online gets the views recorded before; views after it are answered online", async () => {
		const u = user();
		const r = registryOf(env, u);
		expect(await r.view(u, "chat-a", "s1", "sock-1", 1)).toEqual({ online: false, revoked: false });
		expect(await r.hubOnline(u, true)).toEqual([
			{ chat_id: "chat-a", session_id: "s1", socket_id: "sock-1" },
		]);
		expect(await r.view(u, "chat-b", "s1", "sock-2", 1)).toEqual({ online: true, revoked: false });
		expect(await r.view(u, "chat-a", "s1", "sock-1", -1)).toEqual({ online: true, revoked: false });
		expect(await r.hubOnline(u, false)).toEqual([]);
		expect(await r.isOnline(u)).toBe(false);
		expect(await r.views(u)).toEqual([{ chat_id: "chat-b", session_id: "s1", socket_id: "sock-2" }]);
	});

	it("repeated and misordered reports change nothing; users do not see each other's views", async () => {
		const [u, v] = [user(), user()];
		const r = registryOf(env, u);
		await r.view(u, "chat-a", "s1", "sock-1", -1);
		await r.view(u, "chat-a", "s1", "sock-1", 1);
		await r.view(u, "chat-a", "s1", "sock-1", 1);
		expect(await r.views(u)).toHaveLength(1);
		expect(await registryOf(env, v).views(v)).toEqual([]);
		await r.forget(u, ["sock-1", "never-there"]);
		expect(await r.views(u)).toEqual([]);
	});

	it("revoking sessions names the chats they view and answers their later views `revoked`, storing none", async () => {
		const u = user();
		const r = registryOf(env, u);
		await r.view(u, "chat-a", "s1", "sock-1", 1);
		await r.view(u, "chat-b", "s1", "sock-2", 1);
		await r.view(u, "chat-c", "s2", "sock-3", 1);
		expect((await r.revoke(u, ["s1"])).sort()).toEqual(["chat-a", "chat-b"]);
		expect(await r.view(u, "chat-d", "s1", "sock-4", 1)).toEqual({ online: false, revoked: true });
		expect((await r.views(u)).map((x) => x.socket_id)).not.toContain("sock-4");
		expect(await r.view(u, "chat-d", "s2", "sock-5", 1)).toEqual({ online: false, revoked: false });
	});

	it(`keeps at most ${MAX_VIEWS_PER_USER} views per user, dropping the oldest`, async () => {
		const u = user();
		const r = registryOf(env, u);
		for (let i = 0; i < MAX_VIEWS_PER_USER + 3; i++) await r.view(u, `chat-${i}`, "s1", `sock-${i}`, 1);
		const kept = (await r.views(u)).map((x) => x.socket_id);
		expect(kept).toHaveLength(MAX_VIEWS_PER_USER);
		expect(kept).not.toContain("sock-0");
		expect(kept).toContain(`sock-${MAX_VIEWS_PER_USER + 2}`);
	});

	it("spreads users over every shard", () => {
		const shards = new Set<string>();
		for (let i = 0; i < 400; i++) shards.add(registryOf(env, user()).id.toString());
		expect(shards.size).toBe(REGISTRY_SHARDS);
	});
});

describe("a room does not wake the hub of a user with no socket for what that hub could not use", () => {
	it("the sender's own message skips their offline hub, and reaches it once a socket is open", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		type Links = {
			hub: (u: string) => unknown;
			deliver: (u: string, b: unknown) => Promise<{ sockets: number }>;
		};
		const woken: string[] = [];
		const delivered: { user: string; sockets: number }[] = [];
		await runInDurableObject(roomOf(env, chatId), (room) => {
			const links = (room as unknown as { links: Links }).links;
			const [hub, deliver] = [links.hub.bind(links), links.deliver.bind(links)];
			links.hub = (u) => {
				woken.push(u);
				return hub(u);
			};
			links.deliver = async (u, b) => {
				const r = await deliver(u, b);
				delivered.push({ user: u, sockets: r.sockets });
				return r;
			};
		});
		await send(alice, chatId, "one");
		await until(() => delivered.some((d) => d.user === alice.id) && delivered.some((d) => d.user === bob.id));
		// Bob's copy may be pushed, so his hub is woken; Alice's own message is nothing to an offline hub.
		expect(woken).toContain(bob.id);
		expect(woken).not.toContain(alice.id);
		expect(delivered.find((d) => d.user === alice.id)?.sockets).toBe(0);

		const hubSocket = await WsClient.connect(alice);
		await send(alice, chatId, "two");
		await hubSocket.waitFor((f) => f.type === "inbox" && f.chat_id === chatId && f.seq === 2);
		expect(woken).toContain(alice.id);
		hubSocket.close();
	});
});

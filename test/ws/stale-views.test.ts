import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { UserHub } from "../../durable-objects/user-hub";
import { checkViews, VIEW_IDLE_LEASE_MS, VIEW_LEASE_MS } from "../../durable-objects/user-hub/view-check";
import { hubOf, registryOf, roomOf } from "../../src/domain/chats/deps";
import { activeGroup, send } from "../chats/helpers";
import { createTestUser, otherDevice, type TestUser } from "../helpers/users";
import { sleep, WsClient } from "../helpers/ws-client";
import { hubWanted, until } from "./view-helpers";

type ViewRow = { socket_id: string; session_id: string; checked_at: number };

/** The hub's view rows of a chat: which viewing socket of which session has it open. */
const hubViews = (userId: string, chatId: string) =>
	runInDurableObject(hubOf(env, userId), (_, state) =>
		state.storage.sql.exec<ViewRow>("SELECT * FROM views WHERE chat_id = ?", chatId).toArray(),
	);

const roomViewers = (chatId: string) =>
	runInDurableObject(
		roomOf(env, chatId),
		(r) => (r as unknown as { viewers: { size: number } }).viewers.size,
	);

/** The room's "viewing socket closed" RPCs to hubs vanish from now on, as when they fail. */
const loseCloseRpcs = (chatId: string) =>
	runInDurableObject(roomOf(env, chatId), (instance) => {
		(instance as unknown as { links: { tell: () => void } }).links.tell = () => {};
	});

/** The ChatRoom crashes: its sockets drop (1006) and no close handler runs. */
const crashRoom = (chatId: string) =>
	runInDurableObject(roomOf(env, chatId), (_, state) => state.abort("crash")).catch(() => {});

/** Bob viewing the chat on his desktop: a chat socket and a hub socket of one session; the hub has the view. */
async function deskViewing(bob: TestUser, chatId: string) {
	const desk = await WsClient.connectChat(bob, chatId);
	const deskHub = await WsClient.connect(bob);
	await until(async () => (await hubViews(bob.id, chatId)).length === 1);
	return { desk, deskHub };
}

/** Sends `text`, and shows the hub socket got nothing for it: the stale view starves it. */
async function starved(alice: TestUser, chatId: string, hub: WsClient, text: string) {
	const m = await send(alice, chatId, text);
	expect(await hub.framesBeforePong(0, (f) => f.chat_id === chatId && f.seq === m.seq)).toEqual([]);
}

describe("stale views: a chat-viewing socket whose close the hub never heard of", () => {
	it("the room crashes with the chat open: the device's hub socket is starved until the alarm's check drops the view", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const { desk, deskHub } = await deskViewing(bob, chatId);
		await crashRoom(chatId);
		await until(async () => desk.closed !== null);
		expect(desk.closed?.code).toBe(1006);
		expect(await roomViewers(chatId)).toBe(0);
		// The hub never heard: the view is stale and holds the chat's events back from the hub socket.
		expect(await hubViews(bob.id, chatId)).toHaveLength(1);
		await starved(alice, chatId, deskHub, "one");

		// The view mattered (a hub socket of its session is open), so the alarm is armed: its check drops it.
		expect(await runDurableObjectAlarm(hubOf(env, bob.id))).toBe(true);
		expect(await hubViews(bob.id, chatId)).toEqual([]);
		await send(alice, chatId, "two");
		const two = await deskHub.waitFor((f) => f.type === "inbox" && f.seq === 2);
		expect(two).toMatchObject({ chat_id: chatId, unread: 2, last_message: { text: "two" } });
		deskHub.close();
	});

	it("a lost close RPC: the session's hub socket reconnecting checks its views at once", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const { desk, deskHub } = await deskViewing(bob, chatId);
		await loseCloseRpcs(chatId);
		desk.close();
		await until(async () => (await roomViewers(chatId)) === 0);
		expect(await hubViews(bob.id, chatId)).toHaveLength(1);
		await starved(alice, chatId, deskHub, "one");

		// The desktop's hub socket drops and comes back (same session): no alarm needed.
		deskHub.close();
		const again = await WsClient.connect(bob);
		await until(async () => (await hubViews(bob.id, chatId)).length === 0);
		await send(alice, chatId, "two");
		await again.waitFor((f) => f.type === "inbox" && f.seq === 2);
		again.close();
	});

	it("the room is told again that another device needs the chat once the other device's stale view is gone", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const { desk, deskHub } = await deskViewing(bob, chatId);
		const phoneUser = await otherDevice(bob);
		const phone = await WsClient.connectChat(phoneUser, chatId);
		const phoneHub = await WsClient.connect(phoneUser);
		await until(async () => (await hubViews(bob.id, chatId)).length === 2);
		// Both devices view the chat: nobody needs it through the hub.
		await until(async () => !(await hubWanted(chatId)).includes(bob.id));
		await loseCloseRpcs(chatId);
		phone.close();
		await until(async () => (await roomViewers(chatId)) === 1);
		// The desktop still views, so the room skips Bob's hub: the phone hears nothing.
		await starved(alice, chatId, phoneHub, "one");
		await desk.waitFor((f) => f.type === "message.new" && f.seq === 1);

		expect(await runDurableObjectAlarm(hubOf(env, bob.id))).toBe(true);
		await until(async () => (await hubWanted(chatId)).includes(bob.id));
		expect((await hubViews(bob.id, chatId)).map((r) => r.session_id)).toHaveLength(1);
		await send(alice, chatId, "two");
		await phoneHub.waitFor((f) => f.type === "inbox" && f.seq === 2);
		await desk.waitFor((f) => f.type === "message.new" && f.seq === 2);
		// The desktop's own hub socket still gets nothing for the chat its chat socket shows.
		expect(await deskHub.framesBeforePong(0, (f) => f.type === "inbox")).toEqual([]);
		for (const ws of [desk, deskHub, phoneHub]) ws.close();
	});

	it("a view left unconfirmed for two leases (the alarm never ran) is checked when it holds a delivery back", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const deskHub = await WsClient.connect(bob);
		// A view the room never had, last confirmed long ago, and no alarm.
		await runInDurableObject(hubOf(env, bob.id), async (hub: UserHub, state) => {
			const d = UserHub.context(hub).identity(state.getWebSockets()[0] as WebSocket).d as string;
			state.storage.sql.exec(
				"INSERT INTO views (chat_id, socket_id, session_id, checked_at) VALUES (?, 'ghost', ?, 0)",
				chatId,
				d,
			);
			await state.storage.deleteAlarm();
		});
		await starved(alice, chatId, deskHub, "one");
		await until(async () => (await hubViews(bob.id, chatId)).length === 0);
		await send(alice, chatId, "two");
		await deskHub.waitFor((f) => f.type === "inbox" && f.seq === 2);
		deskHub.close();
	});
});

describe("live views are never dropped, and cost nothing per event", () => {
	it("keeps a live view through checks, room eviction and hub eviction", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const { desk, deskHub } = await deskViewing(bob, chatId);
		const [before] = await hubViews(bob.id, chatId);
		await evictDurableObject(roomOf(env, chatId));
		await evictDurableObject(hubOf(env, bob.id));
		await sleep(5);
		for (let i = 0; i < 3; i++) expect(await runDurableObjectAlarm(hubOf(env, bob.id))).toBe(true);
		const [after] = await hubViews(bob.id, chatId);
		expect(after?.socket_id).toBe(before?.socket_id);
		expect(after?.checked_at).toBeGreaterThan(before?.checked_at ?? 0);
		await send(alice, chatId, "one");
		await desk.waitFor((f) => f.type === "message.new" && f.seq === 1);
		expect(await deskHub.framesBeforePong(0, (f) => f.type === "inbox")).toEqual([]);
		// Its close still reaches the hub, and the hub socket hears the chat again.
		desk.close();
		await until(async () => (await hubViews(bob.id, chatId)).length === 0);
		await send(alice, chatId, "two");
		await deskHub.waitFor((f) => f.type === "inbox" && f.seq === 2);
		deskHub.close();
	});

	it("a view that opens while a check is out is kept (only the sockets asked about can go)", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const { desk, deskHub } = await deskViewing(bob, chatId);
		const views = await runInDurableObject(hubOf(env, bob.id), async (hub: UserHub) => {
			const session = UserHub.context(hub).store.viewers(chatId).values().next().value as string;
			await hub.viewing(bob.id, chatId, session, 1, "ghost");
			const check = checkViews(UserHub.context(hub), [chatId]);
			// The room is asked about the live socket and the ghost; this one comes after the question.
			await hub.viewing(bob.id, chatId, session, 1, "opened-meanwhile");
			await check;
			return UserHub.context(hub).store.viewSockets(chatId);
		});
		expect(views).toHaveLength(2);
		expect(views).toContain("opened-meanwhile");
		expect(views).not.toContain("ghost");
		for (const ws of [desk, deskHub]) ws.close();
	});

	it("a viewer whose user has no hub socket is kept in the registry only; a hub socket that connects reads it there", async () => {
		const [alice, bob, mallory] = [await createTestUser(), await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob, mallory]);
		const registry = registryOf(env, bob.id);
		const desk = await WsClient.connectChat(bob, chatId);
		const socketId = desk.frames[0]?.socket_id as string;
		await until(async () => (await registry.views(bob.id)).some((v) => v.socket_id === socketId));
		// The hub was not told (it has no socket to hold anything back from): no view row, no alarm.
		expect(await registry.isOnline(bob.id)).toBe(false);
		expect(await hubViews(bob.id, chatId)).toEqual([]);
		expect(await runInDurableObject(hubOf(env, bob.id), (_, state) => state.storage.getAlarm())).toBeNull();

		// Another device connects its hub socket: by its hello the hub holds the view, and wants the chat.
		const phone = await WsClient.connect(await otherDevice(bob));
		expect(await registry.isOnline(bob.id)).toBe(true);
		expect((await hubViews(bob.id, chatId)).map((r) => r.socket_id)).toEqual([socketId]);
		await until(async () => (await hubWanted(chatId)).includes(bob.id));
		// The desktop's session has no hub socket, so its view holds nothing back: only the slow alarm.
		const alarmIn = () =>
			runInDurableObject(
				hubOf(env, bob.id),
				async (_, state) => ((await state.storage.getAlarm()) ?? 0) - Date.now(),
			);
		await until(async () => (await alarmIn()) > VIEW_LEASE_MS);
		expect(await alarmIn()).toBeLessThanOrEqual(VIEW_IDLE_LEASE_MS);
		await send(alice, chatId, "one");
		await phone.waitFor((f) => f.type === "inbox" && f.chat_id === chatId && f.seq === 1);
		expect(await roomOf(env, chatId).openViewers(bob.id, [socketId, "nope"])).toEqual([socketId]);
		expect(await roomOf(env, chatId).openViewers(mallory.id, [socketId])).toEqual([]);

		// The phone leaves: the hub is offline again and drops its copy; the registry keeps the view.
		phone.close();
		await until(async () => !(await registry.isOnline(bob.id)));
		expect(await hubViews(bob.id, chatId)).toEqual([]);
		expect((await registry.views(bob.id)).map((v) => v.socket_id)).toEqual([socketId]);
		desk.close();
		await until(async () => (await registry.views(bob.id)).length === 0);
		await until(async () => (await roomOf(env, chatId).openViewers(bob.id, [socketId])).length === 0);
	});

	it("the slow alarm drops the stale view of a device that never came back, here and in the registry, and keeps the fresh ones", async () => {
		const [alice, bob] = [await createTestUser(), await createTestUser()];
		const chatId = await activeGroup(alice, [bob]);
		const registry = registryOf(env, bob.id);
		// A view the registry kept from a room that died without closing it.
		await registry.view(bob.id, chatId, "logged-out", "gone", 1);
		const phone = await WsClient.connect(await otherDevice(bob));
		const desk = await WsClient.connectChat(bob, chatId);
		await until(async () => (await hubViews(bob.id, chatId)).length === 2);
		// Long unconfirmed, as a view is once the slow lease has passed.
		await runInDurableObject(hubOf(env, bob.id), (_, state) => {
			state.storage.sql.exec("UPDATE views SET checked_at = 0 WHERE socket_id = 'gone'");
		});
		expect(await runDurableObjectAlarm(hubOf(env, bob.id))).toBe(true);
		const left = await hubViews(bob.id, chatId);
		expect(left.map((r) => r.socket_id)).toEqual([desk.frames[0]?.socket_id]);
		expect((await registry.views(bob.id)).map((v) => v.socket_id)).toEqual([desk.frames[0]?.socket_id]);
		for (const ws of [desk, phone]) ws.close();
	});
});

import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { createDb } from "../../src/db/client";
import { chatMembers, chats } from "../../src/db/schema";
import type { CallRecord } from "../../src/domain/calls/types";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { type Frame, sleep, WsClient } from "../helpers/ws-client";

export const SDP_OFFER =
	"v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
export const SDP_ANSWER =
	"v=0\r\no=- 1861213891381276733 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
export const candidate = (n: number) => ({
	candidate: `candidate:${n} 1 udp 2122260223 192.0.2.${n} 5440${n % 10} typ host`,
	sdpMid: "0",
	sdpMLineIndex: 0,
});

export const hubStub = (userId: string) => env.USER_HUB.get(env.USER_HUB.idFromName(userId));

/** Frames of `type` a client got (optionally for one call). */
export const got = (c: WsClient, type: string, callId?: string) =>
	c.frames.filter((f) => f.type === type && (callId === undefined || f.call_id === callId));

/** Waits a little and asserts no frame of `type` arrived since `before` frames. */
export async function expectQuiet(clients: WsClient[], ms = 250): Promise<void> {
	const counts = clients.map((c) => c.frames.length);
	await sleep(ms);
	clients.forEach((c, i) => {
		expect(c.frames.slice(counts[i]).map((f) => f.type)).toEqual([]);
	});
}

/**
 * One signed-in test user per display name, as a tuple so destructuring
 * stays typed. They all share one group chat, so they may ring each other
 * (only people who share a chat may: see `strangers`).
 */
export async function users<const N extends string[]>(...names: N): Promise<{ [K in keyof N]: TestUser }> {
	const made = await strangers(...names);
	await shareAChat(made);
	return made;
}

/** Like `users`, but sharing no chat: none of them may ring another. */
export async function strangers<const N extends string[]>(
	...names: N
): Promise<{ [K in keyof N]: TestUser }> {
	return (await Promise.all(names.map((displayName) => createTestUser({ displayName })))) as {
		[K in keyof N]: TestUser;
	};
}

/**
 * Puts `members` in a new group chat, straight in D1 (what ringing checks),
 * each `active` unless `status` says otherwise for them. Returns the chat id.
 */
export async function shareAChat(
	members: readonly TestUser[],
	status: Record<string, "active" | "invited"> = {},
): Promise<string> {
	const id = crypto.randomUUID();
	const now = new Date();
	const db = createDb(env.DB);
	await db.insert(chats).values({ id, kind: "group", name: "Calls", createdAt: now, updatedAt: now });
	await db
		.insert(chatMembers)
		.values(members.map((u) => ({ chatId: id, userId: u.id, status: status[u.id] ?? "active" })));
	return id;
}

/** Sends call.offer and returns the call id (from the result), failing on an error reply. */
export async function offer(from: WsClient, callee: string, sdp = SDP_OFFER): Promise<string> {
	const r = await from.request<{ call_id: string }>({ type: "call.offer", callee, sdp });
	return r.call_id;
}

/** A tuple of `N` sockets, so `const [b1, b2] = ...` stays typed. */
type Sockets<N extends number, T extends WsClient[] = []> = T["length"] extends N
	? T
	: Sockets<N, [...T, WsClient]>;

/**
 * Alice and Bob signed in (fresh users), Alice on socket `a` and Bob on
 * `bobDevices` sockets (`bs`, the first also as `b`): the start of most
 * two-party call tests.
 *
 * @example const { alice, bob, a, bs } = await aliceAndBob(2); const [b1, b2] = bs;
 */
export async function aliceAndBob<const N extends number = 1>(bobDevices: N = 1 as N) {
	const [alice, bob] = await users("Alice", "Bob");
	const a = await WsClient.connect(alice);
	const bs: WsClient[] = [];
	for (let i = 0; i < bobDevices; i++) bs.push(await WsClient.connect(bob));
	const [b] = bs;
	if (!b) throw new Error("aliceAndBob needs at least one device for Bob");
	return { alice, bob, a, b, bs: bs as Sockets<N> };
}

/**
 * `aliceAndBob`, then Alice calls Bob and every one of Bob's devices has
 * the offer: a call left ringing.
 *
 * @example const { a, b, callId } = await ringingCall();
 */
export async function ringingCall<const N extends number = 1>(bobDevices: N = 1 as N) {
	const parties = await aliceAndBob(bobDevices);
	const callId = await offer(parties.a, parties.bob.id);
	for (const b of parties.bs as WsClient[])
		await b.waitFor((f) => f.type === "call.offer" && f.call_id === callId);
	return { ...parties, callId };
}

/**
 * `aliceAndBob`, then Alice calls Bob and Bob's first device (`b`) answers.
 *
 * @example const { a, b, callId } = await answeredAliceBob();
 */
export async function answeredAliceBob<const N extends number = 1>(bobDevices: N = 1 as N) {
	const parties = await aliceAndBob(bobDevices);
	return { ...parties, callId: await answeredCall(parties.a, parties.bob, parties.b) };
}

/** A call rung on every device of `callee` and answered by `answerer`; returns the call id. */
export async function answeredCall(caller: WsClient, callee: TestUser, answerer: WsClient): Promise<string> {
	const callId = await offer(caller, callee.id);
	await answerer.waitFor((f) => f.type === "call.offer" && f.call_id === callId);
	await answerer.request({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER });
	await caller.waitFor((f) => f.type === "call.answer" && f.call_id === callId);
	return callId;
}

/**
 * Evicts a user's hub (storage kept, memory dropped, sockets hibernated). The
 * hub is woken first: an idle one may already have hibernated, and
 * evicting an object that is not running is an error.
 */
export async function evict(userId: string): Promise<void> {
	await runInDurableObject(hubStub(userId), () => undefined);
	await evictDurableObject(hubStub(userId));
}

export async function storedCall(userId: string): Promise<CallRecord | null> {
	return runInDurableObject(
		hubStub(userId),
		async (_hub, state) => (await state.storage.get<CallRecord>("call:current")) ?? null,
	);
}

/**
 * Moves a hub's current call `ms` into the past (every timestamp), as if
 * that much time had gone by, then runs the hub's alarm.
 */
export async function elapse(userId: string, ms: number): Promise<boolean> {
	await runInDurableObject(hubStub(userId), async (_hub, state) => {
		const c = await state.storage.get<CallRecord>("call:current");
		if (!c) return;
		const back = (t: number | null) => (t === null ? null : t - ms);
		await state.storage.put("call:current", {
			...c,
			startedAt: c.startedAt - ms,
			ringUntil: c.ringUntil - ms,
			nextCheckAt: c.nextCheckAt - ms,
			ackedAt: back(c.ackedAt),
			answeredAt: back(c.answeredAt),
			endedAt: back(c.endedAt),
		} satisfies CallRecord);
	});
	return runDurableObjectAlarm(hubStub(userId));
}

export type HistoryItem = {
	id: string;
	direction: string;
	end_code: number;
	end_reason: string;
	ended_by: string;
	missed: boolean;
	duration_s: number;
	peer: { id: string };
};

export async function history(user: TestUser): Promise<HistoryItem[]> {
	const res = await api("/v1/calls", { headers: user.auth });
	expect(res.status).toBe(200);
	return ((await res.json()) as { items: HistoryItem[] }).items;
}

/** Waits for a bye on `c` for `callId` and returns it. */
export const byeOn = (c: WsClient, callId: string, timeoutMs?: number): Promise<Frame> =>
	c.waitFor((f) => f.type === "call.bye" && f.call_id === callId, timeoutMs);

export { sleep, WsClient };

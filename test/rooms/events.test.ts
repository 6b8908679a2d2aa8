/**
 * room.updated / room.removed reach every affected member's hub sockets,
 * including members who gain or lose access by inheritance. Absence is
 * checked with a ping marker (framesBeforePong), never after a sleep.
 */
import { describe, expect, it } from "vitest";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { call, makeRoom } from "./helpers";

type F = Record<string, unknown>;
const roomEvents = (ws: WsClient, since: number) =>
	ws.framesBeforePong(since, (f: F) => String(f.type).startsWith("room."));

describe("room events on the hub socket", () => {
	it("create, add user, rename, subroom, remove user, delete: who hears what", async () => {
		const owner = await createTestUser();
		const top = await createTestUser(); // member of the root: reads everything below
		const low = await createTestUser(); // member of the subroom only
		const stranger = await createTestUser();
		const [wo, wt, wl, ws] = (await Promise.all(
			[owner, top, low, stranger].map((u) => WsClient.connect(u)),
		)) as [WsClient, WsClient, WsClient, WsClient];
		const marks = (): [number, number, number, number] => [
			wo.frames.length,
			wt.frames.length,
			wl.frames.length,
			ws.frames.length,
		];

		let m = marks();
		const root = await makeRoom(owner, "HQ", { members: [top.id] });
		expect(await roomEvents(wo, m[0])).toEqual([
			expect.objectContaining({ type: "room.updated", room_id: root.id, change: "created", name: "HQ" }),
		]);
		expect(await roomEvents(wt, m[1])).toEqual([
			expect.objectContaining({ type: "room.updated", room_id: root.id, change: "created" }),
		]);
		expect(await roomEvents(ws, m[3])).toEqual([]);

		// A subroom: the root's member hears of it by inheritance.
		m = marks();
		const sub = await makeRoom(owner, "Lab", { parent_id: root.id });
		const subCreated = [
			expect.objectContaining({ room_id: sub.id, change: "created", parent_id: root.id, root_id: root.id }),
		];
		expect(await roomEvents(wo, m[0])).toEqual(subCreated);
		expect(await roomEvents(wt, m[1])).toEqual(subCreated);

		m = marks();
		await call(owner, `/v1/rooms/${sub.id}/members`, { method: "POST", json: { user: low.id } });
		const added = expect.objectContaining({ room_id: sub.id, change: "member_added", user_id: low.id });
		expect(await roomEvents(wl, m[2])).toEqual([added]);
		expect(await roomEvents(wt, m[1])).toEqual([added]);

		// Rename of the root: the subroom-only member does not read the root.
		m = marks();
		await call(owner, `/v1/rooms/${root.id}`, { method: "PATCH", json: { name: "HQ 2" } });
		const renamed = expect.objectContaining({ room_id: root.id, change: "renamed", name: "HQ 2" });
		expect(await roomEvents(wo, m[0])).toEqual([renamed]);
		expect(await roomEvents(wt, m[1])).toEqual([renamed]);
		expect(await roomEvents(wl, m[2])).toEqual([]);

		// A loose room moved under the subroom: the low member gains it by inheritance.
		const loose = await makeRoom(owner, "Annex");
		m = marks();
		await call(owner, `/v1/rooms/${sub.id}/subrooms`, { method: "POST", json: { room_id: loose.id } });
		expect(await roomEvents(wl, m[2])).toEqual([
			expect.objectContaining({ room_id: sub.id, change: "subroom_added", subroom_id: loose.id }),
			expect.objectContaining({ room_id: loose.id, change: "moved", parent_id: sub.id, root_id: root.id }),
		]);

		// Removing the root's member: they lose the whole tree (one room.removed); others hear member_removed.
		m = marks();
		await call(owner, `/v1/rooms/${root.id}/members/${top.id}`, { method: "DELETE" });
		expect(await roomEvents(wt, m[1])).toEqual([
			{ type: "room.removed", room_id: root.id, reason: "access_lost", rooms: [root.id, sub.id, loose.id] },
		]);
		expect(await roomEvents(wo, m[0])).toEqual([
			expect.objectContaining({ room_id: root.id, change: "member_removed", user_id: top.id }),
		]);
		expect(await roomEvents(wl, m[2])).toEqual([]);

		// Deleting the root: everyone who read any of it is told, with the rooms they could read.
		m = marks();
		await call(owner, `/v1/rooms/${root.id}`, { method: "DELETE" });
		expect(await roomEvents(wo, m[0])).toEqual([
			{ type: "room.removed", room_id: root.id, reason: "deleted", rooms: [root.id, sub.id, loose.id] },
		]);
		expect(await roomEvents(wl, m[2])).toEqual([
			{ type: "room.removed", room_id: sub.id, reason: "deleted", rooms: [sub.id, loose.id] },
		]);
		expect(await roomEvents(wt, m[1])).toEqual([]);
		expect(await roomEvents(ws, 0)).toEqual([]);
		for (const w of [wo, wt, wl, ws]) w.close();
	});

	it("moving a room to another tree: members of the old tree above it lose it", async () => {
		const owner = await createTestUser();
		const watcher = await createTestUser();
		const a = await makeRoom(owner, "A", { members: [watcher.id] });
		const child = await makeRoom(owner, "Child", { parent_id: a.id });
		const b = await makeRoom(owner, "B");
		const ww = await WsClient.connect(watcher);
		const m = ww.frames.length;
		expect(
			(await call(owner, `/v1/rooms/${b.id}/subrooms`, { method: "POST", json: { room_id: child.id } }))
				.status,
		).toBe(200);
		expect(await roomEvents(ww, m)).toEqual([
			{ type: "room.removed", room_id: child.id, reason: "access_lost", rooms: [child.id] },
		]);
		ww.close();
	});
});

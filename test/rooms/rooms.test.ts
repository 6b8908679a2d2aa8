/** Rooms over REST (/v1/rooms): happy paths, inherited membership, cycles and limits, bad input, strangers. */
import { ROOM_LIMITS } from "@hatch/contract/rooms";
import { describe, expect, it } from "vitest";
import { createTestUser } from "../helpers/users";
import { call, makeRoom, treeOf } from "./helpers";

describe("rooms: happy path", () => {
	it("create, list, info, subroom, tree, rename, enter, send, delete", async () => {
		const owner = await createTestUser({ displayName: "Owner" });
		const member = await createTestUser({ displayName: "Member" });
		const root = await makeRoom(owner, "Company", { members: [member.id] });
		expect(root).toMatchObject({ name: "Company", parent_id: null, root_id: root.id, access: "manage" });
		expect(root.members.map((m) => [m.user_id, m.role]).sort()).toEqual(
			[
				[owner.id, "owner"],
				[member.id, "member"],
			].sort(),
		);
		expect(root.chats).toEqual([root.chat_id]);

		const list = await call(member, "/v1/rooms");
		expect(list.status).toBe(200);
		expect(list.body).toEqual({
			items: [expect.objectContaining({ id: root.id, role: "member" })],
			page_token: null,
		});

		const sub = await makeRoom(owner, "Sales", { parent_id: root.id });
		expect(sub).toMatchObject({ parent_id: root.id, root_id: root.id });
		const info = await call(member, `/v1/rooms/${root.id}`);
		expect(info.body).toMatchObject({ access: "read", subrooms: [{ id: sub.id, name: "Sales" }] });
		const tree = await call(member, `/v1/rooms/${root.id}/tree`);
		expect(tree.body).toEqual({
			room_id: root.id,
			rooms: [
				{ id: root.id, name: "Company", parent_id: null, chat_id: root.chat_id, depth: 1 },
				{ id: sub.id, name: "Sales", parent_id: root.id, chat_id: sub.chat_id, depth: 2 },
			],
		});

		const renamed = await call(owner, `/v1/rooms/${sub.id}`, { method: "PATCH", json: { name: "Sales EU" } });
		expect(renamed.body).toMatchObject({ name: "Sales EU" });
		expect((await call(owner, `/v1/chats/${sub.chat_id}`)).body).toMatchObject({ name: "Sales EU" });

		// The member reads the subroom by inheritance: enters its chat and sends there.
		const entered = await call(member, `/v1/rooms/${sub.id}/enter`, { method: "POST" });
		expect(entered.body).toMatchObject({
			room_id: sub.id,
			joined: true,
			chat: { id: sub.chat_id, status: "active" },
		});
		expect((await call(member, `/v1/rooms/${sub.id}/enter`, { method: "POST" })).body).toMatchObject({
			joined: false,
		});
		const sent = await call(member, `/v1/rooms/${sub.id}/messages`, {
			method: "POST",
			json: { client_id: "c1", text: "hello room" },
		});
		expect(sent.status).toBe(201);
		expect(sent.body).toMatchObject({
			room_id: sub.id,
			chat_id: sub.chat_id,
			message: { seq: 1, text: "hello room" },
		});
		const history = await call(owner, `/v1/chats/${sub.chat_id}/messages?after_seq=0`);
		expect(
			(history.body.items as { text: string; sender_id: string }[]).map((m) => [m.sender_id, m.text]),
		).toEqual([[member.id, "hello room"]]);

		const del = await call(owner, `/v1/rooms/${root.id}`, { method: "DELETE" });
		expect(del.body).toEqual({ room_id: root.id, deleted: [root.id, sub.id] });
		expect((await call(owner, `/v1/rooms/${sub.id}`)).code).toBe("ROOM_NOT_FOUND");
		expect((await call(owner, `/v1/chats/${sub.chat_id}`)).status).toBe(404);
		expect((await call(member, "/v1/rooms")).body).toEqual({ items: [], page_token: null });
	});

	it("lists page with page_token", async () => {
		const u = await createTestUser();
		const ids = [];
		for (let i = 0; i < 3; i++) ids.push((await makeRoom(u, `R${i}`)).id);
		const first = await call(u, "/v1/rooms?page_size=2");
		expect((first.body.items as { id: string }[]).map((r) => r.id)).toEqual(ids.slice(0, 2));
		const next = await call(u, `/v1/rooms?page_size=2&page_token=${first.body.page_token}`);
		expect(next.body).toEqual({ items: [expect.objectContaining({ id: ids[2] })], page_token: null });
		expect((await call(u, "/v1/rooms?page_token=bogus")).code).toBe("VALIDATION_FAILED");
	});
});

describe("rooms: authorisation", () => {
	it("a stranger sees nothing and can do nothing: 404 ROOM_NOT_FOUND, nothing changes", async () => {
		const owner = await createTestUser();
		const stranger = await createTestUser();
		const root = await makeRoom(owner, "Private");
		const sub = await makeRoom(owner, "Inner", { parent_id: root.id });
		const before = await treeOf(owner, root.id);
		const attempts: [string, { method?: string; json?: unknown }][] = [
			[`/v1/rooms/${sub.id}`, {}],
			[`/v1/rooms/${root.id}/tree`, {}],
			[`/v1/rooms/${sub.id}`, { method: "PATCH", json: { name: "Mine" } }],
			[`/v1/rooms/${sub.id}`, { method: "DELETE" }],
			[`/v1/rooms/${root.id}/members`, { method: "POST", json: { user: stranger.id } }],
			[`/v1/rooms/${root.id}/members/${owner.id}`, { method: "DELETE" }],
			[`/v1/rooms/${sub.id}/enter`, { method: "POST" }],
			[`/v1/rooms/${sub.id}/messages`, { method: "POST", json: { client_id: "x", text: "hi" } }],
			["/v1/rooms", { method: "POST", json: { name: "Squat", parent_id: root.id } }],
		];
		for (const [path, init] of attempts) {
			const r = await call(stranger, path, init);
			expect([r.status, r.code], path).toEqual([404, "ROOM_NOT_FOUND"]);
		}
		// The stranger's own room cannot be hung under a room they cannot see, nor take one of them.
		const own = await makeRoom(stranger, "Own");
		expect(
			(await call(stranger, `/v1/rooms/${root.id}/subrooms`, { method: "POST", json: { room_id: own.id } }))
				.code,
		).toBe("ROOM_NOT_FOUND");
		expect(
			(await call(stranger, `/v1/rooms/${own.id}/subrooms`, { method: "POST", json: { room_id: sub.id } }))
				.code,
		).toBe("ROOM_NOT_FOUND");
		expect(await treeOf(owner, root.id)).toBe(before);
		expect((await call(stranger, `/v1/chats/${sub.chat_id}`)).status).toBe(404);
	});

	it("membership is inherited down the tree: members above read, owners above manage; members cannot manage", async () => {
		const owner = await createTestUser();
		const reader = await createTestUser();
		const subOwner = await createTestUser();
		const root = await makeRoom(owner, "Root", { members: [reader.id, subOwner.id] });
		const mid = await makeRoom(owner, "Mid", { parent_id: root.id });
		const leaf = await makeRoom(owner, "Leaf", { parent_id: mid.id });
		// The reader reads two levels down.
		expect((await call(reader, `/v1/rooms/${leaf.id}`)).body).toMatchObject({ access: "read" });
		const before = await treeOf(owner, root.id);
		for (const [path, init] of [
			[`/v1/rooms/${leaf.id}`, { method: "PATCH", json: { name: "x" } }],
			[`/v1/rooms/${leaf.id}`, { method: "DELETE" }],
			[`/v1/rooms/${leaf.id}/members`, { method: "POST", json: { user: subOwner.id } }],
			["/v1/rooms", { method: "POST", json: { name: "x", parent_id: leaf.id } }],
		] as const) {
			const r = await call(reader, path, init);
			expect([r.status, r.code], path).toEqual([403, "FORBIDDEN"]);
		}
		expect(await treeOf(owner, root.id)).toBe(before);
		// The root's owner manages the leaf without being its direct member.
		expect(
			(await call(owner, `/v1/rooms/${leaf.id}`, { method: "PATCH", json: { name: "Leaf 2" } })).status,
		).toBe(200);
		// A room someone owns below manages only that subtree.
		const own = await makeRoom(subOwner, "SubOwned");
		expect(
			(await call(subOwner, `/v1/rooms/${root.id}/subrooms`, { method: "POST", json: { room_id: own.id } }))
				.code,
		).toBe("FORBIDDEN");
	});

	it("removing a user takes them out of the room and the chats below they can no longer read", async () => {
		const owner = await createTestUser();
		const member = await createTestUser();
		const root = await makeRoom(owner, "Root", { members: [member.id] });
		const sub = await makeRoom(owner, "Sub", { parent_id: root.id });
		await call(member, `/v1/rooms/${sub.id}/enter`, { method: "POST" });
		await call(member, `/v1/rooms/${root.id}/enter`, { method: "POST" });
		expect((await call(member, `/v1/chats/${sub.chat_id}`)).status).toBe(200);
		expect((await call(owner, `/v1/rooms/${root.id}/members/${owner.id}`, { method: "DELETE" })).code).toBe(
			"ROOM_OWNER",
		);
		expect((await call(owner, `/v1/rooms/${sub.id}/members/${member.id}`, { method: "DELETE" })).code).toBe(
			"NOT_A_MEMBER",
		);
		const r = await call(owner, `/v1/rooms/${root.id}/members/${member.id}`, { method: "DELETE" });
		expect(r.body).toEqual({ room_id: root.id, user_id: member.id, removed: true });
		expect((await call(member, `/v1/rooms/${sub.id}`)).code).toBe("ROOM_NOT_FOUND");
		expect((await call(member, `/v1/chats/${sub.chat_id}`)).status).toBe(404);
		expect((await call(member, `/v1/chats/${root.chat_id}`)).status).toBe(404);
		expect(
			(
				await call(owner, `/v1/rooms/${sub.id}/messages`, {
					method: "POST",
					json: { client_id: "a", text: "x" },
				})
			).status,
		).toBe(201);
	});

	it("a member may leave by removing themselves", async () => {
		const owner = await createTestUser();
		const member = await createTestUser();
		const root = await makeRoom(owner, "Root", { members: [member.id] });
		expect(
			(await call(member, `/v1/rooms/${root.id}/members/${member.id}`, { method: "DELETE" })).status,
		).toBe(200);
		expect((await call(member, `/v1/rooms/${root.id}`)).code).toBe("ROOM_NOT_FOUND");
	});
});

describe("rooms: the tree's shape", () => {
	it("a room cannot become its own ancestor; moving across trees works", async () => {
		const owner = await createTestUser();
		const a = await makeRoom(owner, "A");
		const b = await makeRoom(owner, "B", { parent_id: a.id });
		const c = await makeRoom(owner, "C", { parent_id: b.id });
		const before = await treeOf(owner, a.id);
		for (const [parent, child] of [
			[c.id, a.id],
			[b.id, a.id],
			[a.id, a.id],
		]) {
			const r = await call(owner, `/v1/rooms/${parent}/subrooms`, {
				method: "POST",
				json: { room_id: child },
			});
			expect([r.status, r.code]).toEqual([409, "ROOM_CYCLE"]);
		}
		expect(await treeOf(owner, a.id)).toBe(before);
		// Another tree moves under C: its rooms now belong to A's tree.
		const x = await makeRoom(owner, "X");
		const y = await makeRoom(owner, "Y", { parent_id: x.id });
		const moved = await call(owner, `/v1/rooms/${c.id}/subrooms`, {
			method: "POST",
			json: { room_id: x.id },
		});
		expect(moved.body).toMatchObject({ subrooms: [{ id: x.id }] });
		expect((await call(owner, `/v1/rooms/${y.id}`)).body).toMatchObject({ root_id: a.id });
		expect(((await call(owner, `/v1/rooms/${a.id}/tree`)).body.rooms as unknown[]).length).toBe(5);
		// Now X is inside A: putting A under Y would close a loop.
		expect(
			(await call(owner, `/v1/rooms/${y.id}/subrooms`, { method: "POST", json: { room_id: a.id } })).code,
		).toBe("ROOM_CYCLE");
	});

	it(`rooms nest at most ${ROOM_LIMITS.DEPTH_MAX} deep`, async () => {
		const owner = await createTestUser();
		let parent = (await makeRoom(owner, "L1")).id;
		for (let i = 2; i <= ROOM_LIMITS.DEPTH_MAX; i++)
			parent = (await makeRoom(owner, `L${i}`, { parent_id: parent })).id;
		const r = await call(owner, "/v1/rooms", {
			method: "POST",
			json: { name: "Too deep", parent_id: parent },
		});
		expect([r.status, r.code]).toEqual([409, "ROOM_TOO_DEEP"]);
		const other = await makeRoom(owner, "Other");
		expect(
			(await call(owner, `/v1/rooms/${parent}/subrooms`, { method: "POST", json: { room_id: other.id } }))
				.code,
		).toBe("ROOM_TOO_DEEP");
		expect((await call(owner, `/v1/rooms/${other.id}`)).body).toMatchObject({ parent_id: null });
	});
});

describe("rooms: bad input stores nothing", () => {
	it("bad bodies are 400 (422 for unsafe characters, 404 for what does not exist) and create nothing", async () => {
		const owner = await createTestUser();
		const root = await makeRoom(owner, "Root");
		const before = await treeOf(owner, root.id);
		const bad: [string, string, unknown, number][] = [
			["POST", "/v1/rooms", { name: "" }, 400],
			["POST", "/v1/rooms", { name: "x".repeat(ROOM_LIMITS.NAME_MAX + 1) }, 400],
			["POST", "/v1/rooms", { name: "ok", extra: 1 }, 400],
			["POST", "/v1/rooms", { name: "bidi\u202e" }, 422],
			["POST", "/v1/rooms", { name: "ok", members: ["no-such-user"] }, 404],
			["POST", "/v1/rooms", { name: "ok", parent_id: "no-such-room" }, 404],
			["PATCH", `/v1/rooms/${root.id}`, { name: 5 }, 400],
			["POST", `/v1/rooms/${root.id}/members`, { user: "" }, 400],
			["POST", `/v1/rooms/${root.id}/members`, { user: "no-such-user" }, 404],
			["POST", `/v1/rooms/${root.id}/subrooms`, {}, 400],
			["POST", `/v1/rooms/${root.id}/subrooms`, { room_id: "no-such-room" }, 404],
			["POST", `/v1/rooms/${root.id}/messages`, { client_id: "c", text: "" }, 400],
		];
		for (const [method, path, json, status] of bad) {
			const r = await call(owner, path, { method, json });
			expect(r.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(status);
			expect(r.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
		}
		expect(await treeOf(owner, root.id)).toBe(before);
		expect((await call(owner, "/v1/rooms")).body).toEqual({
			items: [expect.objectContaining({ id: root.id })],
			page_token: null,
		});
		expect(
			((await call(owner, `/v1/chats/${root.chat_id}/messages?after_seq=0`)).body.items as unknown[]).length,
		).toBe(0);
	});

	it("the OpenAPI document lists the rooms routes", async () => {
		const u = await createTestUser();
		const doc = (await call(u, "/openapi.json")).body as { paths: Record<string, unknown> };
		for (const p of [
			"/v1/rooms",
			"/v1/rooms/{roomId}",
			"/v1/rooms/{roomId}/tree",
			"/v1/rooms/{roomId}/subrooms",
		])
			expect(doc.paths[p], p).toBeDefined();
	});
});

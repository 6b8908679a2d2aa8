/** The chats API cannot go around a room: its chat's members, name and life are the room's (409 ROOM_CHAT). */
import { describe, expect, it } from "vitest";
import { createTestUser } from "../helpers/users";
import { call, makeRoom, treeOf } from "./helpers";

describe("a room's chat through the chats API", () => {
	it("refuses invite, remove, role, rename, delete and the owner leaving; nothing is stored", async () => {
		const owner = await createTestUser();
		const member = await createTestUser();
		const outsider = await createTestUser();
		const room = await makeRoom(owner, "Ops", { members: [member.id] });
		expect((await call(member, `/v1/rooms/${room.id}/enter`, { method: "POST" })).status).toBe(200);
		const chat = `/v1/chats/${room.chat_id}`;
		const chatBefore = JSON.stringify((await call(owner, chat)).body);
		const roomBefore = await treeOf(owner, room.id);

		const refused = [
			await call(owner, `${chat}/invitations`, { method: "POST", json: { user: outsider.id } }),
			await call(owner, `${chat}/members/${member.id}`, { method: "DELETE" }),
			await call(owner, `${chat}/members/${member.id}`, { method: "PATCH", json: { role: "admin" } }),
			await call(owner, chat, { method: "PATCH", json: { name: "Elsewhere" } }),
			await call(owner, chat, { method: "DELETE" }),
			await call(owner, `${chat}/leave`, { method: "POST" }),
		];
		for (const r of refused) {
			expect(r).toMatchObject({ status: 409, code: "ROOM_CHAT" });
			expect(String((r.body.error as { message: string }).message)).toContain(`/v1/rooms/${room.id}`);
		}
		expect(JSON.stringify((await call(owner, chat)).body)).toBe(chatBefore);
		expect(await treeOf(owner, room.id)).toBe(roomBefore);
		// The outsider was not invited: the chat stays hidden from them.
		expect((await call(outsider, chat)).status).toBe(404);
		// Renaming goes through the room, which renames its chat.
		expect(
			(await call(owner, `/v1/rooms/${room.id}`, { method: "PATCH", json: { name: "Ops 2" } })).status,
		).toBe(200);
		expect((await call(owner, chat)).body).toMatchObject({ name: "Ops 2" });
	});

	it("a member may still leave the chat and enter again; strangers still get 404", async () => {
		const owner = await createTestUser();
		const member = await createTestUser();
		const stranger = await createTestUser();
		const room = await makeRoom(owner, "Desk", { members: [member.id] });
		await call(member, `/v1/rooms/${room.id}/enter`, { method: "POST" });
		const chat = `/v1/chats/${room.chat_id}`;
		expect((await call(stranger, chat, { method: "DELETE" })).status).toBe(404);
		expect((await call(member, `${chat}/leave`, { method: "POST" })).status).toBeLessThan(300);
		expect((await call(member, chat)).status).toBe(404);
		expect((await call(member, `/v1/rooms/${room.id}/enter`, { method: "POST" })).body).toMatchObject({
			joined: true,
		});
	});

	it("ordinary group chats are unaffected", async () => {
		const owner = await createTestUser();
		const other = await createTestUser();
		const created = await call(owner, "/v1/chats", { method: "POST", json: { name: "Plain", members: [] } });
		const id = (created.body as { id: string }).id;
		expect(
			(await call(owner, `/v1/chats/${id}/invitations`, { method: "POST", json: { user: other.id } })).status,
		).toBe(200);
		expect(
			(await call(owner, `/v1/chats/${id}`, { method: "PATCH", json: { name: "Plain 2" } })).status,
		).toBe(200);
		expect((await call(owner, `/v1/chats/${id}`, { method: "DELETE" })).status).toBeLessThan(300);
	});
});

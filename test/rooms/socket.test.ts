/** Rooms over the hub socket (room.* frames): the same operations and rules as /v1/rooms. */
import { describe, expect, it } from "vitest";
import { createTestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { treeOf } from "./helpers";

describe("rooms over the hub socket", () => {
	it("create, add user, subroom, tree, info, enter and send; the other side hears the message", async () => {
		const owner = await createTestUser();
		const member = await createTestUser();
		const wo = await WsClient.connect(owner);
		const wm = await WsClient.connect(member, { transport: "msgpack" });
		const root = (await wo.call({ type: "room.create", name: "Team" })).result as {
			id: string;
			chat_id: string;
		};
		expect(root).toMatchObject({ name: "Team", access: "manage" });
		expect((await wo.call({ type: "room.add_user", room_id: root.id, user: member.id })).result).toEqual({
			room_id: root.id,
			user_id: member.id,
			added: true,
		});
		const sub = (await wo.call({ type: "room.create", name: "Dev", parent_id: root.id })).result as {
			id: string;
			chat_id: string;
		};
		const tree = (await wm.call({ type: "room.tree", room_id: root.id })).result as {
			rooms: { id: string }[];
		};
		expect(tree.rooms.map((r) => r.id)).toEqual([root.id, sub.id]);
		expect((await wm.call({ type: "room.info", room_id: sub.id })).result).toMatchObject({ access: "read" });
		expect((await wm.call({ type: "room.list" })).result).toEqual({
			items: [expect.objectContaining({ id: root.id, role: "member" })],
			page_token: null,
		});

		// The member enters the subroom's chat and follows it; the owner sends to the room.
		expect((await wm.call({ type: "room.enter", room_id: sub.id })).result).toMatchObject({ joined: true });
		expect((await wm.call({ type: "chat.subscribe", chat_id: sub.chat_id })).type).toBe("result");
		const sent = await wo.call({ type: "room.send", room_id: sub.id, client_id: "r1", text: "standup" });
		expect(sent.result).toMatchObject({ chat_id: sub.chat_id, message: { seq: 1, text: "standup" } });
		const heard = await wm.waitFor((f) => f.type === "message.new" && f.chat_id === sub.chat_id);
		expect(heard).toMatchObject({ seq: 1, message: { text: "standup", sender_id: owner.id } });
		// A retry with the same client_id is the same message.
		const again = await wo.call({ type: "room.send", room_id: sub.id, client_id: "r1", text: "standup" });
		expect(again.result).toMatchObject({ message: { seq: 1 } });

		expect((await wo.call({ type: "room.rename", room_id: sub.id, name: "Dev team" })).result).toMatchObject({
			name: "Dev team",
		});
		expect(
			(await wo.call({ type: "room.remove_user", room_id: root.id, user_id: member.id })).result,
		).toMatchObject({
			removed: true,
		});
		const gone = await wm.call({ type: "room.info", room_id: sub.id });
		expect(gone).toMatchObject({ type: "error", code: 404, reason: "ROOM_NOT_FOUND" });
		expect((await wo.call({ type: "room.delete", room_id: root.id })).result).toEqual({
			room_id: root.id,
			deleted: [root.id, sub.id],
		});
		wo.close();
		wm.close();
	});

	it("strangers get 404, readers 403, a cycle 409, bad frames 400; nothing changes", async () => {
		const owner = await createTestUser();
		const reader = await createTestUser();
		const stranger = await createTestUser();
		const wo = await WsClient.connect(owner);
		const wr = await WsClient.connect(reader);
		const ws = await WsClient.connect(stranger);
		const a = (await wo.call({ type: "room.create", name: "A", members: [reader.id] })).result as {
			id: string;
		};
		const b = (await wo.call({ type: "room.create", name: "B", parent_id: a.id })).result as { id: string };
		const before = await treeOf(owner, a.id);

		for (const frame of [
			{ type: "room.info", room_id: b.id },
			{ type: "room.tree", room_id: a.id },
			{ type: "room.enter", room_id: b.id },
			{ type: "room.send", room_id: b.id, client_id: "s", text: "hi" },
			{ type: "room.rename", room_id: a.id, name: "Mine" },
			{ type: "room.add_user", room_id: a.id, user: stranger.id },
			{ type: "room.delete", room_id: b.id },
		])
			expect(await ws.call(frame), frame.type).toMatchObject({
				type: "error",
				code: 404,
				reason: "ROOM_NOT_FOUND",
			});
		for (const frame of [
			{ type: "room.rename", room_id: b.id, name: "x" },
			{ type: "room.delete", room_id: b.id },
			{ type: "room.add_user", room_id: b.id, user: stranger.id },
			{ type: "room.create", name: "x", parent_id: b.id },
		])
			expect(await wr.call(frame), frame.type).toMatchObject({
				type: "error",
				code: 403,
				reason: "FORBIDDEN",
			});
		expect(await wo.call({ type: "room.add_subroom", room_id: b.id, subroom_id: a.id })).toMatchObject({
			type: "error",
			code: 409,
			reason: "ROOM_CYCLE",
		});
		for (const frame of [
			{ type: "room.create", name: "" },
			{ type: "room.create", name: "ok", bogus: 1 },
			{ type: "room.add_subroom", room_id: b.id },
			{ type: "room.send", room_id: b.id, client_id: "c", text: "" },
		])
			expect(await wo.call(frame), JSON.stringify(frame)).toMatchObject({ type: "error", code: 400 });
		expect(await treeOf(owner, a.id)).toBe(before);
		// The owner is a direct owner of both rooms (a subroom's creator owns it).
		expect(((await wo.call({ type: "room.list" })).result as { items: unknown[] }).items).toHaveLength(2);
		for (const c of [wo, wr, ws]) c.close();
	});
});

/**
 * The Egg seed's room types (c2s_room_* 19–28, s2c_room_* 113–116; the seed's
 * tables leave their fields %TODO, README "Egg rooms" documents the ones
 * chosen), over json and msgpack, on top of native rooms.
 */
import { describe, expect, it } from "vitest";
import { api } from "../../helpers/http";
import { EggClient } from "./egg-client";
import { eggUser } from "./helpers";

/**
 * s2c_room_info of `roomId`, asked for. Room changes also send it unasked
 * (README "Egg rooms"), always read after the change, so the first one for
 * this room after asking is as current as the answer.
 */
function roomInfo(c: EggClient, roomId: string) {
	const before = c.frames.length;
	const reply = c.waitFor(115, (f) => c.frames.indexOf(f) >= before && f.room_id === roomId);
	c.send({ msg_type: 28, room_id: roomId });
	return reply;
}

describe("Egg rooms", () => {
	for (const transport of ["json", "msgpack"] as const)
		it(`create, info, subroom, tree, list, enter, send, rename, del_user, delete (${transport})`, async () => {
			const a = await eggUser();
			const b = await eggUser();
			const ca = await EggClient.connect(a.session, transport);
			const cb = await EggClient.connect(b.session, transport === "json" ? "msgpack" : "json");

			const created = await ca.ask({ msg_type: 23, name: "Office", users: [b.msisdn] }, 116);
			const room = created.room_id as string;
			expect(typeof room).toBe("string");
			const sub = (await ca.ask({ msg_type: 23, name: "Kitchen", parent_room_id: room }, 116))
				.room_id as string;
			const loose = (await ca.ask({ msg_type: 23, name: "Attic" }, 116)).room_id as string;
			ca.send({ msg_type: 22, room_id: sub, subroom_id: loose });

			const info = await roomInfo(cb, room);
			expect(info).toMatchObject({ room_id: room, name: "Office", parent_room_id: null, subrooms: [sub] });
			expect((info.users as number[]).sort()).toEqual([a.msisdn, b.msisdn].sort());
			expect(info.chats).toHaveLength(1);

			const tree = await cb.ask({ msg_type: 27, room_id: room }, 114);
			expect(tree).toMatchObject({
				room_id: room,
				name: "Office",
				subrooms: [
					{ room_id: sub, name: "Kitchen", subrooms: [{ room_id: loose, name: "Attic", subrooms: [] }] },
				],
			});
			expect((await ca.ask({ msg_type: 27 }, 113)).room_id).toEqual(
				expect.arrayContaining([room, sub, loose]),
			);
			expect((await cb.ask({ msg_type: 27 }, 113)).room_id).toEqual([room]);

			// b reads the subroom by inheritance: enters its chat, then hears a's message there.
			cb.send({ msg_type: 25, room_id: sub });
			const subInfo = await roomInfo(cb, sub);
			const subChat = (subInfo.chats as string[])[0];
			const sent = await ca.ask({ msg_type: 26, room_id: sub, msg_body: "чай готов" }, 118);
			expect(sent).toEqual({ msg_type: 118, msg_id: 1, chat_id: subChat });
			expect(await cb.waitFor(107, (f) => f.chat_id === subChat)).toMatchObject({
				msg_body: "чай готов",
				from: a.msisdn,
				msg_id: 1,
			});
			const reply = await cb.ask({ msg_type: 26, room_id: sub, msg_body: "иду" }, 118);
			expect(reply).toMatchObject({ msg_id: 2, chat_id: subChat });

			ca.send({ msg_type: 19, room_id: sub, name: "Kitchen 2" });
			expect(await roomInfo(ca, sub)).toMatchObject({ name: "Kitchen 2" });
			ca.send({ msg_type: 21, room_id: room, user_msisdn: b.msisdn });
			expect(await roomInfo(ca, room)).toMatchObject({ users: [a.msisdn] });
			expect(await cb.ask({ msg_type: 28, room_id: sub }, 104)).toEqual({ msg_type: 104, code: 404 });

			ca.send({ msg_type: 24, room_id: room });
			expect(await ca.ask({ msg_type: 28, room_id: loose }, 104)).toEqual({ msg_type: 104, code: 404 });
			ca.close();
			cb.close();
		});

	it("room changes arrive unasked as s2c_room_info; a room lost sends nothing (no seed type)", async () => {
		const a = await eggUser();
		const b = await eggUser();
		const ca = await EggClient.connect(a.session, "json");
		const cb = await EggClient.connect(b.session, "msgpack");
		const room = (await ca.ask({ msg_type: 23, name: "Yard", users: [b.msisdn] }, 116)).room_id as string;
		const sub = (await ca.ask({ msg_type: 23, name: "Shed", parent_room_id: room }, 116)).room_id as string;
		// b reads the subroom by inheritance and hears its rename.
		let mark = cb.frames.length;
		ca.send({ msg_type: 19, room_id: sub, name: "Barn" });
		expect(
			await cb.waitFor(115, (f) => cb.frames.indexOf(f) >= mark && f.room_id === sub && f.name === "Barn"),
		).toMatchObject({ room_id: sub, name: "Barn", parent_room_id: room, users: [a.msisdn] });
		// Removed from the root, b gets no s2c_room_info (room.removed has no seed type): the list
		// answer (113) is the marker, everything before it is what b was sent.
		await roomInfo(ca, room);
		mark = cb.frames.length;
		ca.send({ msg_type: 21, room_id: room, user_msisdn: b.msisdn });
		expect(await roomInfo(ca, room)).toMatchObject({ users: [a.msisdn] });
		const list = await cb.ask({ msg_type: 27 }, 113);
		expect(list.room_id).toEqual([]);
		expect(cb.frames.slice(mark, cb.frames.indexOf(list)).filter((f) => f.msg_type === 115)).toEqual([]);
		ca.close();
		cb.close();
	});

	it("a stranger gets s2c_error 404, a reader 403, a cycle 409, bad fields 400; nothing stored", async () => {
		const a = await eggUser();
		const b = await eggUser();
		const s = await eggUser();
		const ca = await EggClient.connect(a.session, "msgpack");
		const cb = await EggClient.connect(b.session, "json");
		const cs = await EggClient.connect(s.session, "json");
		const room = (await ca.ask({ msg_type: 23, name: "Home", users: [b.msisdn] }, 116)).room_id as string;
		const sub = (await ca.ask({ msg_type: 23, name: "Room", parent_room_id: room }, 116)).room_id as string;
		const before = await ca.ask({ msg_type: 27, room_id: room }, 114);

		for (const frame of [
			{ msg_type: 28, room_id: room },
			{ msg_type: 27, room_id: room },
			{ msg_type: 19, room_id: room, name: "Mine" },
			{ msg_type: 20, room_id: room, user_msisdn: s.msisdn },
			{ msg_type: 24, room_id: sub },
			{ msg_type: 25, room_id: sub },
			{ msg_type: 26, room_id: sub, msg_body: "hi" },
			{ msg_type: 23, name: "Squat", parent_room_id: room },
		])
			expect(await cs.ask(frame, 104), JSON.stringify(frame)).toEqual({ msg_type: 104, code: 404 });
		for (const frame of [
			{ msg_type: 19, room_id: sub, name: "x" },
			{ msg_type: 24, room_id: sub },
			{ msg_type: 20, room_id: sub, user_msisdn: s.msisdn },
		])
			expect(await cb.ask(frame, 104), JSON.stringify(frame)).toEqual({ msg_type: 104, code: 403 });
		expect(await ca.ask({ msg_type: 22, room_id: sub, subroom_id: room }, 104)).toEqual({
			msg_type: 104,
			code: 409,
		});
		for (const frame of [
			{ msg_type: 23 },
			{ msg_type: 23, name: "" },
			{ msg_type: 23, name: "x", users: ["not a number"] },
			{ msg_type: 19, room_id: room },
			{ msg_type: 22, room_id: room },
			{ msg_type: 26, room_id: sub, msg_body: "" },
			{ msg_type: 28, room_id: 5 },
		])
			expect(await ca.ask(frame, 104), JSON.stringify(frame)).toEqual({ msg_type: 104, code: 400 });
		// An unknown user is 404, and the room is not created.
		expect(await ca.ask({ msg_type: 23, name: "x", users: [79_169_999_999] }, 104)).toEqual({
			msg_type: 104,
			code: 404,
		});
		expect(await ca.ask({ msg_type: 27, room_id: room }, 114)).toEqual(before);
		expect(((await ca.ask({ msg_type: 27 }, 113)).room_id as string[]).sort()).toEqual([room, sub].sort());
		const subChat = ((await roomInfo(ca, sub)).chats as string[])[0];
		expect((await ca.ask({ msg_type: 11, chat_id: subChat, msg_id: 0 }, 117)).messages).toEqual([]);
		expect((await api("/v1/rooms")).status).toBe(401);
		for (const c of [ca, cb, cs]) c.close();
	});
});

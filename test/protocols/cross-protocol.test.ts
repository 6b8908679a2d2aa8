import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { findUserByPhone } from "../../src/domain/users/users";
import { uniquePhone } from "../auth/helpers";
import { otherDevice, type TestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { chatableSocket, registerChatable } from "./chatable/helpers";
import { EggClient } from "./egg/egg-client";
import { eggUser } from "./egg/helpers";

const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

/** The native side of an Egg-registered account: same user, its own device. */
async function nativeOf(msisdn: number): Promise<TestUser> {
	const row = await findUserByPhone(createDb(env.DB), `+${msisdn}`);
	if (!row) throw new Error("no such user");
	// A device of its own: a stored session, as every token needs.
	return otherDevice({ id: row.id, token: "", email: "", sessionId: "", auth: { Authorization: "" } });
}

describe("one chat across protocols", () => {
	it("an Egg msgpack client and a native client see each other's messages; an Egg call offer rings a native socket", async () => {
		const a = await eggUser();
		const b = await eggUser();
		const egg = await EggClient.connect(a.session, "msgpack");
		const bob = await WsClient.connect(await nativeOf(b.msisdn), { transport: "json" });

		const chatId = (await egg.ask({ msg_type: 3, name: "mixed", users: [b.msisdn] }, 103)).chat_id as string;
		await bob.waitFor((f) => f.type === "chat.invitation" && f.chat_id === chatId);
		await bob.request({ type: "chat.accept", chat_id: chatId });
		await bob.request({ type: "chat.subscribe", chat_id: chatId });

		egg.send({ msg_type: 10, chat_id: chatId, msg_body: "from egg" });
		const seen = await bob.waitFor((f) => f.type === "message.new" && f.chat_id === chatId);
		expect(seen.message).toMatchObject({
			seq: 1,
			text: "from egg",
			sender_id: (await nativeOf(a.msisdn)).id,
		});

		await bob.request({ type: "message.send", chat_id: chatId, client_id: "n1", text: "from native" });
		expect(await egg.waitFor(107, (f) => f.msg_id === 2)).toMatchObject({
			chat_id: chatId,
			msg_body: "from native",
			from: b.msisdn,
		});

		egg.send({ msg_type: 34, msisdn: b.msisdn, sdp: SDP });
		const ring = await bob.waitFor((f) => f.type === "call.offer");
		expect(ring).toMatchObject({ sdp: SDP, caller: { id: (await nativeOf(a.msisdn)).id } });
		await bob.request({ type: "call.answer", call_id: ring.call_id, sdp: SDP });
		expect((await egg.waitFor(123)).sdp).toBe(SDP);
		egg.send({ msg_type: 37, code: 200 });
		expect(await bob.waitFor((f) => f.type === "call.bye")).toMatchObject({ code: 200 });
		egg.close();
		bob.close();
	});

	it("an Egg msgpack client, a chatable /api/ws client and a native client in one chat", async () => {
		const a = await eggUser();
		const aNative = await nativeOf(a.msisdn);
		const carolPhone = uniquePhone();
		const carol = await registerChatable(`c${Date.now().toString(36)}`, carolPhone);
		const egg = await EggClient.connect(a.session, "msgpack");
		const native = await WsClient.connect(aNative, { transport: "msgpack" });
		const chatable = await chatableSocket(carol.token);

		// Carol writes to the Egg user (who has no username: chatable takes a Hatch user id too).
		chatable.send({ author: carol.username, recipient: aNative.id, message: "from chatable" });
		const viaEgg = await egg.waitFor(107, (f) => f.msg_body === "from chatable");
		const chatId = viaEgg.chat_id as string;
		// Carol registered with a phone, so Egg names her by it.
		expect(viaEgg).toMatchObject({ msg_id: 1, from: Number(carolPhone.slice(1)) });
		await native.request({ type: "chat.subscribe", chat_id: chatId, after_seq: 0 });
		await native.waitFor(
			(f) => f.type === "message.new" && (f.message as { text: string }).text === "from chatable",
		);

		egg.send({ msg_type: 10, chat_id: chatId, msg_body: "from egg" });
		expect(await chatable.waitFor((p) => p.message === "from egg")).toMatchObject({
			author: aNative.id,
			recipient: carol.username,
			message_type: 0,
		});
		await native.request({ type: "message.send", chat_id: chatId, client_id: "x1", text: "from native" });
		await chatable.waitFor((p) => p.message === "from native");
		expect(await egg.waitFor(107, (f) => f.msg_body === "from native")).toMatchObject({
			msg_id: 3,
			from: a.msisdn,
		});
		egg.close();
		native.close();
		chatable.ws.close();
	});
});

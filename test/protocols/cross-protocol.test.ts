import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { signAccessToken } from "../../src/domain/auth/access-token";
import { findUserByPhone } from "../../src/domain/users/users";
import { newId } from "../../src/lib/ids";
import type { TestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { EggClient } from "./egg/egg-client";
import { eggUser } from "./egg/helpers";

const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

/** The native side of an Egg-registered account: same user, its own device. */
async function nativeOf(msisdn: number): Promise<TestUser> {
	const row = await findUserByPhone(createDb(env.DB), `+${msisdn}`);
	if (!row) throw new Error("no such user");
	const { token } = await signAccessToken(env, { userId: row.id, role: "user", sessionId: newId() });
	return { id: row.id, token, email: "", auth: { Authorization: `Bearer ${token}` } };
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
});

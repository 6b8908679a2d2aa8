import { decode, encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { api } from "../../helpers/http";
import { EggClient, openEgg } from "./egg-client";
import { eggUser } from "./helpers";

const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

describe("Egg WebSocket: opening", () => {
	it("404 for an unknown module, 403 without rights, 501 for an unsupported transport", async () => {
		const { session } = await eggUser();
		expect((await openEgg("/ws/1/nope")).status).toBe(404);
		expect((await openEgg("/ws/2/chat")).status).toBe(404);
		expect((await openEgg("/ws/1/chat")).status).toBe(403);
		expect((await openEgg("/session/forged.AAAA/ws/1/chat")).status).toBe(403);
		expect((await openEgg(`/session/${session}/ws/1/chat`, "xml")).status).toBe(501);
		const ok = await openEgg(`/session/${session}/ws/1/chat`, "msgpack");
		expect(ok.status).toBe(101);
		expect(ok.headers.get("Sec-WebSocket-Protocol")).toBe("msgpack");
		ok.webSocket?.accept();
		ok.webSocket?.close();
	});

	it("the default protocol echoes frames over json and msgpack", async () => {
		for (const transport of ["json", "msgpack"] as const) {
			const res = await openEgg("/ws/1/default", transport);
			expect(res.status).toBe(101);
			const ws = res.webSocket as WebSocket;
			ws.accept();
			const got = new Promise<unknown>((resolve) =>
				ws.addEventListener("message", async (ev) => {
					const d = ev.data as string | ArrayBuffer | Blob;
					const bytes = typeof d === "string" ? null : d instanceof Blob ? await d.arrayBuffer() : d;
					resolve(bytes ? decode(new Uint8Array(bytes)) : JSON.parse(d as string));
				}),
			);
			const frame = { msg_type: 1, hello: "egg" };
			ws.send(transport === "json" ? JSON.stringify(frame) : encode(frame).slice().buffer);
			expect(await got).toEqual(frame);
			ws.close();
		}
	});
});

describe("Egg chat protocol v1", () => {
	it("chats, invitations, messages with msg_id and statuses, typing, users (msgpack ↔ json)", async () => {
		const a = await eggUser(undefined, { fname: "Ann", lname: "A" });
		const b = await eggUser(undefined, { fname: "Bob", lname: "B", age: 30, is_male: true });
		const ca = await EggClient.connect(a.session, "msgpack");
		const cb = await EggClient.connect(b.session, "json");

		const created = await ca.ask({ msg_type: 3, name: "Egg chat", users: [b.msisdn] }, 103);
		const chatId = created.chat_id as string;
		expect(typeof chatId).toBe("string");
		expect((await cb.waitFor(105)).chat_id).toBe(chatId);
		cb.send({ msg_type: 29, chat_id: chatId });
		const info = await cb.ask({ msg_type: 2, chat_id: chatId }, 102);
		expect(info).toMatchObject({ chat_id: chatId, name: "Egg chat", chat_owner: a.msisdn, is_muted: false });
		expect(info.users).toEqual(expect.arrayContaining([a.msisdn, b.msisdn]));
		expect((await cb.ask({ msg_type: 1 }, 101)).chats).toContain(chatId);

		const sent = await ca.ask({ msg_type: 10, chat_id: chatId, msg_body: "привет" }, 118);
		expect(sent).toMatchObject({ msg_id: 1, chat_id: chatId });
		const got = await cb.waitFor(107, (f) => f.msg_id === 1);
		expect(got).toMatchObject({ chat_id: chatId, msg_body: "привет", from: a.msisdn, status: "waiting" });
		expect(typeof got.timestamp).toBe("number");

		const list = await cb.ask({ msg_type: 11, chat_id: chatId, msg_id: 0 }, 117);
		expect(list.messages).toEqual([
			expect.objectContaining({ msg_id: 1, msg_body: "привет", from: a.msisdn }),
		]);

		cb.send({ msg_type: 13, chat_id: chatId, msg_id: 1 });
		expect(await ca.waitFor(109, (f) => f.status === "read")).toMatchObject({ chat_id: chatId, msg_id: 1 });
		cb.send({ msg_type: 9, chat_id: chatId });
		expect(await ca.waitFor(106)).toMatchObject({ chat_id: chatId, user_msisdn: b.msisdn });
		ca.send({ msg_type: 12, chat_id: chatId, msg_id: 1, msg_body: "привет!" });
		expect(await cb.waitFor(108)).toMatchObject({ chat_id: chatId, msg_id: 1, msg_body: "привет!" });

		expect(await ca.ask({ msg_type: 15, user_msisdn: b.msisdn }, 110)).toMatchObject({
			user_msisdn: b.msisdn,
			fname: "Bob",
			lname: "B",
			age: 30,
			is_male: true,
		});
		expect(await ca.ask({ msg_type: 16, user_msisdn: b.msisdn }, 111)).toMatchObject({
			user_msisdn: b.msisdn,
			is_online: true,
		});
		const bulk = await ca.ask({ msg_type: 40, msisdns: [a.msisdn, b.msisdn] }, 125);
		expect((bulk.users as { user_msisdn: number }[]).map((u) => u.user_msisdn)).toEqual([a.msisdn, b.msisdn]);
		ca.close();
		cb.close();
	});

	it("bad input: unknown msg_type 404, malformed 400, a room without a name 400, undecodable 400; nothing stored", async () => {
		const a = await eggUser();
		const b = await eggUser();
		const ca = await EggClient.connect(a.session, "json");
		const chatId = (await ca.ask({ msg_type: 3, name: "x", users: [b.msisdn] }, 103)).chat_id;
		expect((await ca.ask({ msg_type: 99 }, 104)).code).toBe(404);
		expect((await ca.ask({ msg_type: 10, chat_id: chatId }, 104)).code).toBe(400);
		expect((await ca.ask({ msg_type: 23, name: "" }, 104)).code).toBe(400);
		const before = ca.frames.length;
		ca.sendRaw("{not json");
		expect((await ca.waitFor(104, (f) => ca.frames.indexOf(f) >= before)).code).toBe(400);
		expect((await ca.ask({ msg_type: 10, chat_id: "no-such-chat", msg_body: "x" }, 104)).code).toBe(404);
		const list = await ca.ask({ msg_type: 11, chat_id: chatId, msg_id: 0 }, 117);
		expect(list.messages).toEqual([]);
		ca.close();
	});

	it("calls: lock turn, offer rings the callee, ack, answer, ice, bye with its SIP code", async () => {
		const a = await eggUser();
		const b = await eggUser();
		const ca = await EggClient.connect(a.session, "msgpack");
		const cb = await EggClient.connect(b.session, "json");
		// Only someone who shares a chat may be rung: a and b open one first.
		const chat = await ca.ask({ msg_type: 3, name: "Call us", users: [b.msisdn] }, 103);
		await cb.waitFor(105);
		cb.send({ msg_type: 29, chat_id: chat.chat_id });
		await cb.ask({ msg_type: 2, chat_id: chat.chat_id }, 102);
		const turn = await ca.ask({ msg_type: 39 }, 124);
		expect(turn).toMatchObject({
			adress: "turn.hatch.test",
			port: 3478,
			realm: "hatch",
			credential_type: "password",
		});
		expect(typeof turn.username).toBe("string");
		ca.send({ msg_type: 34, msisdn: b.msisdn, sdp: SDP });
		const offer = await cb.waitFor(119);
		expect(offer).toMatchObject({ msisdn: a.msisdn, sdp: SDP });
		expect(offer.turn_server).toMatchObject({ adress: "turn.hatch.test" });
		cb.send({ msg_type: 35 });
		await ca.waitFor(120);
		cb.send({ msg_type: 38, sdp: SDP });
		expect((await ca.waitFor(123)).sdp).toBe(SDP);
		ca.send({ msg_type: 36, candidate: "candidate:1 1 udp 1 10.0.0.1 9 typ host" });
		expect((await cb.waitFor(121)).candidate).toBe("candidate:1 1 udp 1 10.0.0.1 9 typ host");
		ca.send({ msg_type: 37, code: 200 });
		expect((await cb.waitFor(122)).code).toBe(200);
		// An unknown number: s2c_call_bye 404 at once.
		expect((await ca.ask({ msg_type: 34, msisdn: 79990000001, sdp: SDP }, 122)).code).toBe(404);
		ca.close();
		cb.close();
	});

	it("devices register quietly; c2s_system_logout ends the session and closes the socket", async () => {
		const a = await eggUser();
		const ca = await EggClient.connect(a.session, "json");
		ca.send({ msg_type: 41, push_token: "https://push.example/abc", type: "webpush", device_id: "phone-1" });
		expect(
			(await ca.ask({ msg_type: 41, push_token: "x", type: "carrier-pigeon", device_id: "d" }, 104)).code,
		).toBe(400);
		const closed = new Promise<void>((resolve) => ca.ws.addEventListener("close", () => resolve()));
		ca.send({ msg_type: 14 });
		await closed;
		const form = new FormData();
		form.append("file", new File(["x"], "x.txt", { type: "text/plain" }));
		const res = await api(`/compat/egg/v1/session/${a.session}/file`, { method: "POST", body: form });
		expect(res.status).toBe(401);
		expect((await openEggAgain(a.session)).status).toBe(403);
	});
});

function openEggAgain(session: string) {
	return openEgg(`/session/${session}/ws/1/chat`, "json");
}

import { LIMITS } from "@hatch/contract/limits";
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { openDirect } from "../chats/helpers";
import { withGuardClockStopped } from "../helpers/guard-clock";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { type Frame, sleep, WsClient } from "../helpers/ws-client";

/** For every request type: frames that must be refused with 400 VALIDATION_FAILED. */
const BAD: Record<string, Record<string, unknown>[]> = {
	ping: [{ extra: 1 }],
	"chat.subscribe": [{}, { chat_id: 5 }, { chat_id: "c", after_seq: -1 }, { chat_id: "c", after_seq: 1.5 }],
	"chat.unsubscribe": [{}, { chat_id: "" }],
	"chat.list": [{ chat_id: "x" }],
	"chat.info": [{}, { chat_id: "x".repeat(65) }],
	"chat.create": [
		{},
		{ name: "" },
		{ name: "x".repeat(LIMITS.CHAT_NAME_MAX + 1) },
		{ name: "ok", members: "bob" },
	],
	"chat.direct": [{}, { user: "" }, { user: 1 }],
	"chat.rename": [{ chat_id: "c" }, { chat_id: "c", name: "   " }],
	"chat.leave": [{}],
	"chat.delete": [{}],
	"chat.invite": [{ chat_id: "c" }, { chat_id: "c", user: "" }],
	"chat.accept": [{}],
	"chat.reject": [{}],
	"chat.remove_member": [{ chat_id: "c" }],
	"chat.mute": [{}],
	"chat.unmute": [{}],
	"chat.typing": [{}],
	"message.send": [
		{ chat_id: "c", text: "no client id" },
		{ chat_id: "c", client_id: "x" },
		{ chat_id: "c", client_id: "x", text: "x".repeat(LIMITS.TEXT_MAX + 1) },
		{ chat_id: "c", client_id: "x", text: "hi", reply_to: 0 },
		{ chat_id: "c", client_id: "x", text: "hi", attachments: "f1" },
	],
	"message.edit": [
		{ chat_id: "c", seq: 1 },
		{ chat_id: "c", seq: "1", text: "x" },
		{ chat_id: "c", seq: 1, text: "" },
	],
	"message.delete": [{ chat_id: "c" }, { chat_id: "c", seq: -3 }],
	"message.history": [
		{},
		{ chat_id: "c", page_size: 0 },
		{ chat_id: "c", page_size: LIMITS.PAGE_SIZE_MAX + 1 },
	],
	"message.read": [{ chat_id: "c" }, { chat_id: "c", seq: 0 }],
	"presence.get": [{}],
	"device.register": [
		{ push_token: "t", device_id: "d" },
		{ push_token: "t", device_type: "apns", device_id: "d" },
	],
	"device.unregister": [{}],
};

describe("bad frames", () => {
	it("every request type with bad fields gets 400 and changes nothing", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const { chat } = await openDirect(alice, bob);
		let n = 0;
		for (const [type, bodies] of Object.entries(BAD)) {
			for (const body of bodies) {
				// A fresh socket now and then so the 1008 policy does not end the test early.
				const ws = await WsClient.connect(alice);
				const id = `bad-${n++}`;
				const reply = await ws.call({
					type,
					id,
					...body,
					...(body.chat_id === "c" ? { chat_id: chat.id } : {}),
				});
				expect(reply, `${type} ${JSON.stringify(body)}`).toMatchObject({
					type: "error",
					id,
					code: 400,
					reason: "VALIDATION_FAILED",
				});
				expect(typeof reply.message).toBe("string");
				ws.close();
			}
		}
		const page = (await (await api(`/v1/chats/${chat.id}/messages`, { headers: alice.auth })).json()) as {
			items: unknown[];
		};
		expect(page.items).toHaveLength(0);
		const list = (await (await api("/v1/chats", { headers: alice.auth })).json()) as { items: unknown[] };
		expect(list.items).toHaveLength(1);
		const devices = (await (await api("/v1/devices", { headers: alice.auth })).json()) as {
			devices: unknown[];
		};
		expect(devices.devices).toHaveLength(0);
	});

	it("undecodable, non-object, unknown-type, id-less and oversized frames get error frames", async () => {
		const alice = await createTestUser();
		const ws = await WsClient.connect(alice);
		ws.sendRaw("{not json");
		expect(await ws.waitFor((f) => f.type === "error" && f.reason === "UNDECODABLE")).toMatchObject({
			code: 400,
			id: null,
		});
		ws.sendRaw("[1,2]");
		await ws.waitFor((f) => f.type === "error" && f.reason === "INVALID_FRAME");
		const unknown = await ws.call({ type: "chat.explode", id: "u1" });
		expect(unknown).toMatchObject({ type: "error", id: "u1", code: 404, reason: "UNKNOWN_TYPE" });
		ws.send({ type: "ping" } as Frame);
		await ws.waitFor((f) => f.type === "error" && f.reason === "VALIDATION_FAILED" && f.id === null);
		ws.close();
		const ws2 = await WsClient.connect(alice);
		ws2.sendRaw(JSON.stringify({ type: "ping", id: "big", pad: "x".repeat(LIMITS.FRAME_MAX_BYTES) }));
		await ws2.waitFor((f) => f.type === "error" && f.reason === "FRAME_TOO_LARGE" && f.code === 413);
		// A binary frame on a json socket, and text on a msgpack socket.
		ws2.sendRaw(encode({ type: "ping", id: 1 }).slice().buffer);
		await ws2.waitFor((f) => f.type === "error" && f.reason === "UNDECODABLE");
		const mp = await WsClient.connect(alice, { transport: "msgpack" });
		mp.sendRaw(JSON.stringify({ type: "ping", id: 1 }));
		await mp.waitFor((f) => f.type === "error" && f.reason === "UNDECODABLE");
		expect(await mp.request({ type: "ping" })).toHaveProperty("pong");
		ws2.close();
		mp.close();
	});

	it("a client that keeps sending bad frames is closed with 1008", async () => {
		const alice = await createTestUser();
		const ws = await WsClient.connect(alice);
		for (let i = 0; i < LIMITS.BAD_FRAMES_MAX; i++) ws.sendRaw("garbage");
		const deadline = Date.now() + 5000;
		while (!ws.closed && Date.now() < deadline) await sleep(20);
		expect(ws.closed?.code).toBe(1008);
		expect(ws.events("error")).toHaveLength(LIMITS.BAD_FRAMES_MAX);
	});

	it("a client that sends too fast gets RATE_LIMITED error frames, not silence", async () => {
		const alice = await createTestUser();
		const ws = await WsClient.connect(alice);
		const total = LIMITS.FRAMES_BURST + 20;
		await withGuardClockStopped(async () => {
			for (let i = 0; i < total; i++) ws.send({ type: "ping", id: i });
			await ws.waitForCount((f) => f.type === "result" || f.type === "error", total, 10_000);
		});
		const limited = ws.events("error").filter((f) => f.reason === "RATE_LIMITED");
		expect(limited.length).toBeGreaterThan(0);
		// With the clock stopped exactly the burst passes.
		expect(limited).toHaveLength(total - LIMITS.FRAMES_BURST);
		expect(limited[0]).toMatchObject({ code: 429, retry_after_ms: expect.any(Number) });
		expect(ws.events("result").length).toBeGreaterThanOrEqual(LIMITS.FRAMES_BURST);
		// Rate limiting is not misbehaviour: the socket stays open and works after a pause.
		await sleep(200);
		expect(ws.closed).toBeNull();
		expect(await ws.request({ type: "ping" })).toHaveProperty("pong");
		ws.close();
	});
});

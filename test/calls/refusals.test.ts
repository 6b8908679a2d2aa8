import { LIMITS } from "@hatch/contract/limits";
import { describe, expect, it } from "vitest";
import { OFFER_RATE } from "../../src/domain/calls/outgoing";
import {
	aliceAndBob,
	answeredCall,
	candidate,
	expectQuiet,
	got,
	history,
	offer,
	ringingCall,
	SDP_ANSWER,
	SDP_OFFER,
	shareAChat,
	storedCall,
	strangers,
	users,
	WsClient,
} from "./helpers";

/** Every refusal leaves both hubs' call records exactly as they were. */
async function unchanged(ids: string[], act: () => Promise<void>) {
	const before = await Promise.all(ids.map((id) => storedCall(id)));
	await act();
	expect(await Promise.all(ids.map((id) => storedCall(id)))).toEqual(before);
}

describe("bad and out-of-order call frames are refused and change nothing", () => {
	it("answer, ack, ice or bye for a call that does not exist → 404", async () => {
		const { alice, bob, a, b } = await aliceAndBob();
		await unchanged([alice.id, bob.id], async () => {
			for (const f of [
				{ type: "call.answer", call_id: "0193a1b2-0000-7000-8000-000000000000", sdp: SDP_ANSWER },
				{ type: "call.answer", sdp: SDP_ANSWER },
				{ type: "call.ack" },
				{ type: "call.ice", candidate: candidate(1) },
				{ type: "call.bye", code: 200 },
			]) {
				expect(await b.call(f)).toMatchObject({ type: "error", code: 404, reason: "CALL_NOT_FOUND" });
			}
			await expectQuiet([a]);
		});
		a.close();
		b.close();
	});

	it("ICE for someone else's call is refused: nobody hears it and the call goes on", async () => {
		const [alice, bob, mallory] = await users("Alice", "Bob", "Mallory");
		const a = await WsClient.connect(alice);
		const b = await WsClient.connect(bob);
		const m = await WsClient.connect(mallory);
		const callId = await answeredCall(a, bob, b);
		await unchanged([alice.id, bob.id, mallory.id], async () => {
			for (const f of [
				{ type: "call.ice", call_id: callId, candidate: candidate(9) },
				{ type: "call.answer", call_id: callId, sdp: SDP_ANSWER },
				{ type: "call.bye", call_id: callId, code: 200 },
				{ type: "call.ack", call_id: callId },
			]) {
				expect(await m.call(f)).toMatchObject({ type: "error", code: 404, reason: "CALL_NOT_FOUND" });
			}
			await expectQuiet([a, b]);
		});
		// The real parties are unaffected.
		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(1) });
		await b.waitFor((f) => f.type === "call.ice");
		for (const c of [a, b, m]) c.close();
	});

	it("another device of a party is not a party", async () => {
		const [alice, bob] = await users("Alice", "Bob");
		const a = await WsClient.connect(alice);
		const aTablet = await WsClient.connect(alice);
		const b = await WsClient.connect(bob);
		const bOther = await WsClient.connect(bob);
		const callId = await answeredCall(a, bob, b);
		await unchanged([alice.id, bob.id], async () => {
			expect(
				await aTablet.call({ type: "call.ice", call_id: callId, candidate: candidate(1) }),
			).toMatchObject({
				code: 403,
				reason: "NOT_A_PARTY",
			});
			expect(await aTablet.call({ type: "call.bye", call_id: callId, code: 200 })).toMatchObject({
				code: 403,
			});
			for (const f of [
				{ type: "call.ice", call_id: callId, candidate: candidate(2) },
				{ type: "call.answer", call_id: callId, sdp: SDP_ANSWER },
				{ type: "call.bye", call_id: callId, code: 200 },
				{ type: "call.ack", call_id: callId },
			]) {
				expect(await bOther.call(f)).toMatchObject({ code: 409, reason: "ANSWERED_ELSEWHERE" });
			}
			await expectQuiet([a, b]);
		});
		for (const c of [a, aTablet, b, bOther]) c.close();
	});

	it("out of order: the caller cannot ack or answer, the callee cannot send ICE before answering, no double answer", async () => {
		const { alice, bob, a, b, callId } = await ringingCall();
		await unchanged([alice.id, bob.id], async () => {
			expect(await a.call({ type: "call.ack", call_id: callId })).toMatchObject({
				code: 409,
				reason: "INVALID_STATE",
			});
			expect(await a.call({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER })).toMatchObject({
				code: 409,
			});
			expect(await b.call({ type: "call.ice", call_id: callId, candidate: candidate(1) })).toMatchObject({
				code: 409,
				reason: "INVALID_STATE",
			});
			await expectQuiet([a]);
		});
		await b.request({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER });
		await unchanged([alice.id, bob.id], async () => {
			expect(await b.call({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER })).toMatchObject({
				code: 409,
			});
			expect(await b.call({ type: "call.ack", call_id: callId })).toMatchObject({ code: 409 });
		});
		expect(got(a, "call.answer")).toHaveLength(1);
		a.close();
		b.close();
	});

	it("frames after the end get 410; calling yourself is 400; a second call while in one is 409", async () => {
		const { alice, bob, a, b } = await aliceAndBob();
		expect(await a.call({ type: "call.offer", callee: alice.id, sdp: SDP_OFFER })).toMatchObject({
			code: 400,
			reason: "CALL_SELF",
		});
		const callId = await answeredCall(a, bob, b);
		const a2 = await WsClient.connect(alice);
		expect(await a2.call({ type: "call.offer", callee: bob.id, sdp: SDP_OFFER })).toMatchObject({
			code: 409,
			reason: "CALL_IN_PROGRESS",
		});
		await a.request({ type: "call.bye", call_id: callId, code: 200 });
		await b.waitFor((f) => f.type === "call.bye");
		await unchanged([alice.id, bob.id], async () => {
			expect(await b.call({ type: "call.ice", call_id: callId, candidate: candidate(1) })).toMatchObject({
				code: 410,
				reason: "CALL_ENDED",
			});
			expect(await a.call({ type: "call.bye", call_id: callId, code: 200 })).toMatchObject({ code: 410 });
		});
		for (const c of [a, a2, b]) c.close();
	});

	it.each(["json", "msgpack"] as const)(
		"invalid call frames over %s → 400/404 with the request id, nothing stored",
		async (transport) => {
			const [alice, bob] = await users("Alice", "Bob");
			let a = await WsClient.connect(alice, { transport });
			const b = await WsClient.connect(bob);
			const cases: [Record<string, unknown>, number, string][] = [
				[{ type: "call.offer", callee: bob.id }, 400, "sdp"],
				[{ type: "call.offer", callee: bob.id, sdp: "hello" }, 400, "sdp"],
				[{ type: "call.offer", callee: bob.id, sdp: `v=0\r\n${"a".repeat(40_000)}` }, 400, "sdp"],
				[{ type: "call.offer", callee: "", sdp: SDP_OFFER }, 400, "callee"],
				[{ type: "call.offer", callee: bob.id, sdp: SDP_OFFER, video: true }, 400, "frame"],
				[{ type: "call.ice", candidate: { candidate: "x".repeat(2000) } }, 400, "candidate"],
				[{ type: "call.ice", candidate: "candidate:1 1 udp 1 1.2.3.4 5 typ host" }, 400, "candidate"],
				[{ type: "call.ice", candidate: { candidate: "c", evil: 1 } }, 400, "candidate"],
				[{ type: "call.bye", code: 100 }, 400, "code"],
				[{ type: "call.bye", code: 700 }, 400, "code"],
				[{ type: "call.bye", code: "200" }, 400, "code"],
				[{ type: "call.answer", call_id: 5, sdp: SDP_ANSWER }, 400, "call_id"],
				[{ type: "call.hold" }, 404, "UNKNOWN_TYPE"],
			];
			for (const [i, [frame, code, mention]] of cases.entries()) {
				// Each is a bad frame, and LIMITS.BAD_FRAMES_MAX of them close the socket (1008): a fresh one before that.
				if (i > 0 && i % (LIMITS.BAD_FRAMES_MAX - 1) === 0) {
					a.close();
					a = await WsClient.connect(alice, { transport });
				}
				const r = await a.call(frame);
				expect(r, JSON.stringify(frame).slice(0, 80)).toMatchObject({ type: "error", code });
				expect(`${r.reason} ${r.message}`).toContain(mention);
			}
			// Without an id the error still comes back (id null).
			a.send({ type: "call.ack", call_id: 42 } as never);
			expect(await a.waitFor((f) => f.type === "error" && f.id === null)).toMatchObject({ code: 400 });
			expect(await storedCall(alice.id)).toBeNull();
			expect(await storedCall(bob.id)).toBeNull();
			expect(got(b, "call.offer")).toEqual([]);
			a.close();
			b.close();
		},
	);

	it(`limits a caller to ${OFFER_RATE.limit} offers a minute (429 with retry_after_ms), others unaffected`, async () => {
		const [alice, bob, carol] = await users("Alice", "Bob", "Carol");
		const a = await WsClient.connect(alice);
		const b = await WsClient.connect(bob);
		const c = await WsClient.connect(carol);
		for (let i = 0; i < OFFER_RATE.limit; i++) {
			const callId = await offer(a, bob.id);
			await a.request({ type: "call.bye", call_id: callId, code: 200 });
		}
		const over = await a.call({ type: "call.offer", callee: bob.id, sdp: SDP_OFFER });
		expect(over).toMatchObject({ type: "error", code: 429, reason: "RATE_LIMITED" });
		expect(over.retry_after_ms).toBeGreaterThan(0);
		expect((await storedCall(alice.id))?.state).toBe("ended");
		// Carol can still call Bob.
		const ok = await offer(c, bob.id);
		await b.waitFor((f) => f.type === "call.offer" && f.call_id === ok);
		for (const x of [a, b, c]) x.close();
	});
});

describe("who may be rung (issue 13 item 13)", () => {
	it("only someone who shares a chat: a stranger, an invitee and an unknown id get the same 403 NOT_A_CONTACT", async () => {
		const [alice, carol, ivan] = await strangers("Alice", "Carol", "Ivan");
		await shareAChat([alice, ivan], { [ivan.id]: "invited" });
		const a = await WsClient.connect(alice);
		const c = await WsClient.connect(carol);
		for (const callee of [carol.id, ivan.id, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "nobody"]) {
			const reply = await a.call({ id: "o", type: "call.offer", callee, sdp: SDP_OFFER });
			// The same answer whether the user exists or not, so ringing cannot probe for accounts.
			expect(reply, callee).toEqual({
				type: "error",
				id: "o",
				code: 403,
				reason: "NOT_A_CONTACT",
				message: "You can only call people you share a chat with",
			});
		}
		// Refused before anything happened: no call record, no TURN lease for the caller, no history.
		for (const id of [alice.id, carol.id, ivan.id]) expect(await storedCall(id)).toBeNull();
		expect(got(a, "call.turn_server")).toEqual([]);
		expect(await history(alice)).toEqual([]);
		// Once they share a chat Carol can be rung, and that is the first offer she ever got.
		await shareAChat([alice, carol]);
		const callId = await offer(a, carol.id);
		expect((await c.waitFor((f) => f.type === "call.offer")).call_id).toBe(callId);
		a.close();
		c.close();
	});
});

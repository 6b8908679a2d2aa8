import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmacSha1Base64 } from "../../src/domain/turn/coturn";
import {
	aliceAndBob,
	answeredAliceBob,
	answeredCall,
	byeOn,
	candidate,
	expectQuiet,
	got,
	history,
	offer,
	ringingCall,
	SDP_ANSWER,
	SDP_OFFER,
	storedCall,
	users,
	WsClient,
} from "./helpers";

describe("a call from offer to bye (the Egg flow)", () => {
	it("rings every callee device with a TURN lease of its own, ack → ringback, first answer wins, ICE both ways, bye 200", async () => {
		const [alice, bob] = await users("Alice", "Bob");
		const a = await WsClient.connect(alice);
		const bPhone = await WsClient.connect(bob, { transport: "msgpack" });
		const bLaptop = await WsClient.connect(bob);

		// 1-2. Offer without a locked TURN server: one is allocated and sent first, then the call id.
		const reply = await a.call({ type: "call.offer", callee: bob.id, sdp: SDP_OFFER });
		expect(reply.type).toBe("result");
		const callId = (reply.result as { call_id: string; callee: string }).call_id;
		expect(reply.result).toEqual({ call_id: callId, callee: bob.id });
		const turn = got(a, "call.turn_server")[0];
		expect(turn).toBeDefined();
		expect(a.frames.indexOf(turn as never)).toBeLessThan(a.frames.indexOf(reply));
		expect(String(turn?.username)).toMatch(new RegExp(`^\\d+:${alice.id}$`));
		expect(turn?.credential).toBe(await hmacSha1Base64(env.TURN_SECRET, String(turn?.username)));

		// 5. Every callee device gets the offer with TURN credentials minted for the callee, never the caller's.
		for (const dev of [bPhone, bLaptop]) {
			const o = await dev.waitFor((f) => f.type === "call.offer");
			expect(o).toMatchObject({
				call_id: callId,
				caller: { id: alice.id, display_name: "Alice" },
				sdp: SDP_OFFER,
				candidates: [],
				turn_server: { credential_type: "password" },
			});
			const mine = o.turn_server as {
				username: string;
				credential: string;
				ice_servers: { urls: string[] }[];
			};
			// The same TURN servers, with the callee's own credentials on them.
			expect(mine.ice_servers.map((s) => s.urls)).toEqual(
				((turn?.ice_servers ?? []) as { urls: string[] }[]).map((s) => s.urls),
			);
			expect(mine.username).toMatch(new RegExp(`^\\d+:${bob.id}$`));
			expect(mine.credential).toBe(await hmacSha1Base64(env.TURN_SECRET, mine.username));
			expect(mine.credential).not.toBe(turn?.credential);
			expect(o.ring_until).toBeGreaterThan(Date.now());
		}

		// ack → the caller may play ringback.
		expect(await bPhone.request({ type: "call.ack", call_id: callId })).toEqual({ call_id: callId });
		expect(await a.waitFor((f) => f.type === "call.ack")).toEqual({ type: "call.ack", call_id: callId });

		// 6. The phone answers: the caller gets the SDP, the laptop stops ringing.
		expect(await bPhone.request({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER })).toEqual({
			call_id: callId,
		});
		expect(await a.waitFor((f) => f.type === "call.answer")).toEqual({
			type: "call.answer",
			call_id: callId,
			sdp: SDP_ANSWER,
		});
		expect(await byeOn(bLaptop, callId)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 200,
			reason: "answered_elsewhere",
			ended_by: "callee",
		});
		expect(got(bPhone, "call.bye")).toEqual([]);

		// 7. ICE candidates both ways, only between the two parties.
		const laptopBefore = bLaptop.frames.length;
		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(1) });
		expect(await bPhone.waitFor((f) => f.type === "call.ice")).toEqual({
			type: "call.ice",
			call_id: callId,
			candidate: candidate(1),
		});
		await bPhone.request({ type: "call.ice", call_id: callId, candidate: candidate(2) });
		expect(await a.waitFor((f) => f.type === "call.ice")).toEqual({
			type: "call.ice",
			call_id: callId,
			candidate: candidate(2),
		});
		// End-of-candidates ("") is forwarded too.
		await a.request({ type: "call.ice", candidate: { candidate: "", sdpMid: "0", sdpMLineIndex: 0 } });
		await bPhone.waitFor(
			(f) => f.type === "call.ice" && (f.candidate as { candidate: string }).candidate === "",
		);
		expect(bLaptop.frames.slice(laptopBefore)).toEqual([]);

		// 9. Either side ends with bye 200; the other hears it with who ended it.
		await bPhone.request({ type: "call.bye", call_id: callId, code: 200 });
		expect(await byeOn(a, callId)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 200,
			reason: "normal",
			ended_by: "callee",
		});
		expect((await storedCall(alice.id))?.state).toBe("ended");
		expect((await storedCall(bob.id))?.state).toBe("ended");

		const [row] = await history(alice);
		expect(row).toMatchObject({
			id: callId,
			direction: "outgoing",
			end_code: 200,
			end_reason: "normal",
			ended_by: "callee",
			missed: false,
		});
		expect((await history(bob))[0]).toMatchObject({
			id: callId,
			direction: "incoming",
			peer: { id: alice.id },
		});
		for (const c of [a, bPhone, bLaptop]) c.close();
	});

	it("uses the TURN server locked with call.lock_turn, and a new lock renews it; the callee still gets its own", async () => {
		const { bob, a, b } = await aliceAndBob();
		const first = await a.request<{ username: string; ttl_s: number }>({ type: "call.lock_turn" });
		expect(first.ttl_s).toBe(3600);
		await new Promise((r) => setTimeout(r, 1100));
		const locked = await a.request<{ username: string; credential: string; expires_at: number }>({
			type: "call.lock_turn",
		});
		expect(locked.username).not.toBe(first.username);
		const callId = await offer(a, bob.id);
		const o = await b.waitFor((f) => f.type === "call.offer");
		expect(o.call_id).toBe(callId);
		const calleeTurn = o.turn_server as { username: string; credential: string };
		expect(calleeTurn.username).toMatch(new RegExp(`^\\d+:${bob.id}$`));
		expect(calleeTurn.credential).not.toBe(locked.credential);
		// The caller's locked lease served the offer: no new one was minted for it.
		expect(got(a, "call.turn_server")).toEqual([]);
		a.close();
		b.close();
	});

	it("sends the caller's early candidates to ringing devices and replays them to a device that connects later", async () => {
		const { bob, a, b: b1, callId } = await ringingCall();
		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(1) });
		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(2) });
		await b1.waitForCount((f) => f.type === "call.ice", 2);
		const b2 = await WsClient.connect(bob);
		const replay = await b2.waitFor((f) => f.type === "call.offer");
		expect(replay).toMatchObject({
			call_id: callId,
			sdp: SDP_OFFER,
			candidates: [candidate(1), candidate(2)],
		});
		// The late device can answer, and then it alone is the party.
		await b2.request({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER });
		await a.waitFor((f) => f.type === "call.answer");
		expect((await byeOn(b1, callId)).reason).toBe("answered_elsewhere");
		await a.request({ type: "call.ice", call_id: callId, candidate: candidate(3) });
		await b2.waitFor(
			(f) =>
				f.type === "call.ice" && (f.candidate as { candidate: string }).candidate === candidate(3).candidate,
		);
		await expectQuiet([b1]);
		for (const c of [a, b1, b2]) c.close();
	});

	it("works over msgpack end to end and lets the caller hang up with call_id omitted", async () => {
		const [alice, bob] = await users("Alice", "Bob");
		const a = await WsClient.connect(alice, { transport: "msgpack" });
		const b = await WsClient.connect(bob, { transport: "msgpack" });
		const callId = await answeredCall(a, bob, b);
		await a.request({ type: "call.bye" });
		expect(await byeOn(b, callId)).toMatchObject({ code: 200, reason: "normal", ended_by: "caller" });
		expect((await history(bob))[0]).toMatchObject({ id: callId, ended_by: "caller", end_code: 200 });
		a.close();
		b.close();
	});

	it("lets the same two people call again once a call has ended", async () => {
		const { alice, bob, a, b, callId: first } = await answeredAliceBob();
		await a.request({ type: "call.bye", call_id: first, code: 200 });
		await byeOn(b, first);
		const second = await offer(b, alice.id);
		expect(second).not.toBe(first);
		expect((await a.waitFor((f) => f.type === "call.offer" && f.call_id === second)).caller).toEqual({
			id: bob.id,
			display_name: "Bob",
		});
		a.close();
		b.close();
	});

	it("keeps a pipelined offer + ICE in order: the callee never sees a candidate before the offer", async () => {
		const { bob, a, b } = await aliceAndBob();
		// Sent back to back without waiting, as a browser's onicecandidate does.
		const [offered, ice1, ice2] = await Promise.all([
			a.call({ type: "call.offer", callee: bob.id, sdp: SDP_OFFER }),
			a.call({ type: "call.ice", candidate: candidate(1) }),
			a.call({ type: "call.ice", candidate: candidate(2) }),
		]);
		expect([offered?.type, ice1?.type, ice2?.type]).toEqual(["result", "result", "result"]);
		const o = await b.waitFor((f) => f.type === "call.offer");
		expect(o.call_id).toBe((offered?.result as { call_id: string } | undefined)?.call_id);
		const isIce = (f: { type: string }) => f.type === "call.ice";
		expect(b.frames.slice(0, b.frames.indexOf(o)).filter(isIce)).toEqual([]);
		const buffered = o.candidates as unknown[];
		await b.waitForCount(isIce, 2 - buffered.length);
		expect([...buffered, ...b.frames.filter(isIce).map((f) => f.candidate)]).toEqual([
			candidate(1),
			candidate(2),
		]);
		a.close();
		b.close();
	});
});

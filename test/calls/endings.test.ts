import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CALL_TIMING } from "../../src/domain/calls/types";
import { hubOf } from "../../src/domain/chats/deps";
import { consoleOutbox } from "../../src/providers/push/console";
import {
	answeredAliceBob,
	answeredCall,
	byeOn,
	elapse,
	expectQuiet,
	got,
	history,
	hubStub,
	offer,
	ringingCall,
	SDP_ANSWER,
	shareAChat,
	storedCall,
	users,
	WsClient,
} from "./helpers";

describe("how calls end", () => {
	it("486 busy when the callee is already in a call; the callee's call is untouched", async () => {
		const [alice, bob, carol] = await users("Alice", "Bob", "Carol");
		const a = await WsClient.connect(alice);
		const b = await WsClient.connect(bob);
		const c = await WsClient.connect(carol);
		const bc = await answeredCall(c, bob, b);
		const callId = await offer(a, bob.id);
		expect(await byeOn(a, callId)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 486,
			reason: "busy",
			ended_by: "system",
		});
		expect(got(b, "call.offer").map((f) => f.call_id)).toEqual([bc]);
		expect(await storedCall(bob.id)).toMatchObject({ id: bc, state: "answered" });
		expect((await history(alice))[0]).toMatchObject({ id: callId, end_code: 486 });
		expect((await history(bob)).find((r) => r.id === callId)).toMatchObject({
			direction: "incoming",
			missed: true,
		});
		// Carol, in her call with Bob, cannot place another one.
		expect(await offer(c, alice.id).catch((e: Error) => e.message)).toMatch(/409 CALL_IN_PROGRESS/);
		// A user who is placing a call (still ringing) is busy for everyone else.
		const [dave, erin] = await users("Dave", "Erin");
		await shareAChat([dave, alice]);
		const d = await WsClient.connect(dave);
		const e = await WsClient.connect(erin);
		const daveToAlice = await offer(d, alice.id);
		await a.waitFor((f) => f.type === "call.offer" && f.call_id === daveToAlice);
		const erinToDave = await offer(e, dave.id);
		expect((await byeOn(e, erinToDave)).code).toBe(486);
		expect(got(d, "call.offer")).toEqual([]);
		e.close();
		for (const x of [a, b, c, d]) x.close();
	});

	it("a callee with no connected device is woken by push; nobody answering → 408 after the ring timeout", async () => {
		const [alice, bob] = await users("Alice", "Bob");
		await hubOf(env, bob.id).registerDevice(bob.id, {
			device_id: "bob-phone",
			type: "fcm",
			push_token: "fcm-token-1",
		});
		const pushesBefore = consoleOutbox.length;
		const a = await WsClient.connect(alice);
		const callId = await offer(a, bob.id);
		await expectQuiet([a]);
		const push = consoleOutbox.slice(pushesBefore).find((p) => p.notification.data.call_id === callId);
		expect(push).toMatchObject({
			userId: bob.id,
			device: { device_id: "bob-phone" },
			notification: {
				title: "Incoming call",
				body: "Alice is calling",
				data: { type: "call.offer", caller_id: alice.id },
			},
		});
		expect(await storedCall(alice.id)).toMatchObject({ state: "ringing", delivered: false });
		// Not yet due: the alarm changes nothing.
		expect(await elapse(alice.id, 1000)).toBe(true);
		expect((await storedCall(alice.id))?.state).toBe("ringing");
		await elapse(alice.id, CALL_TIMING.RING_MS);
		expect(await byeOn(a, callId)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 408,
			reason: "unreachable",
			ended_by: "system",
		});
		expect(await storedCall(bob.id)).toMatchObject({ state: "ended", end: { code: 408 } });
		expect((await history(bob))[0]).toMatchObject({
			id: callId,
			end_code: 408,
			missed: true,
			direction: "incoming",
		});
		a.close();
	});

	it("devices rang but nobody answered → 480 for the caller and every ringing device", async () => {
		const { alice, a, bs, callId } = await ringingCall(2);
		const [b1, b2] = bs;
		await elapse(alice.id, CALL_TIMING.RING_MS);
		const expected = {
			type: "call.bye",
			call_id: callId,
			code: 480,
			reason: "no_answer",
			ended_by: "system",
		};
		expect(await byeOn(a, callId)).toEqual(expected);
		expect(await byeOn(b1, callId)).toEqual(expected);
		expect(await byeOn(b2, callId)).toEqual(expected);
		for (const x of [a, b1, b2]) x.close();
	});

	it("an app woken by push that connects in time rings, so a timeout is 480 rather than 408", async () => {
		const [alice, bob] = await users("Alice", "Bob");
		const a = await WsClient.connect(alice);
		const callId = await offer(a, bob.id);
		const b = await WsClient.connect(bob);
		expect((await b.waitFor((f) => f.type === "call.offer")).call_id).toBe(callId);
		await expectQuiet([a], 100);
		expect(await storedCall(alice.id)).toMatchObject({ delivered: true });
		await elapse(alice.id, CALL_TIMING.RING_MS);
		expect((await byeOn(a, callId)).code).toBe(480);
		a.close();
		b.close();
	});

	it("the callee's hub ends a ringing call by itself if the caller's hub never does", async () => {
		const { bob, a, b, callId } = await ringingCall();
		await elapse(bob.id, CALL_TIMING.RING_MS);
		expect((await storedCall(bob.id))?.state).toBe("ringing"); // grace period for the caller's hub
		await elapse(bob.id, CALL_TIMING.CALLEE_GRACE_MS);
		expect((await byeOn(b, callId)).code).toBe(480);
		expect((await byeOn(a, callId)).code).toBe(480);
		a.close();
		b.close();
	});

	it("a decline on one device is 603 for the caller and stops the other devices ringing", async () => {
		const { bob, a, bs, callId } = await ringingCall(2);
		const [b1, b2] = bs;
		await b1.request({ type: "call.bye", call_id: callId, code: 200 });
		expect(await byeOn(a, callId)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 603,
			reason: "declined",
			ended_by: "callee",
		});
		expect(await byeOn(b2, callId)).toMatchObject({ code: 603, reason: "declined_elsewhere" });
		expect(got(b1, "call.bye")).toEqual([]);
		expect((await history(bob))[0]).toMatchObject({ end_code: 603, missed: false });
		for (const x of [a, b1, b2]) x.close();
	});

	it("a busy-here (486) from the callee's device and other SIP codes pass through as sent", async () => {
		const { a, b, callId } = await ringingCall();
		await b.request({ type: "call.bye", call_id: callId, code: 486, reason: "in a meeting" });
		expect(await byeOn(a, callId)).toMatchObject({ code: 486, reason: "in a meeting", ended_by: "callee" });
		a.close();
		b.close();
	});

	it("the caller hanging up while ringing is 487 cancelled on every callee device, a missed call", async () => {
		const { bob, a, bs, callId } = await ringingCall(2);
		const [b1, b2] = bs;
		await a.request({ type: "call.bye", call_id: callId, code: 200 });
		for (const b of [b1, b2]) {
			expect(await byeOn(b, callId)).toEqual({
				type: "call.bye",
				call_id: callId,
				code: 487,
				reason: "cancelled",
				ended_by: "caller",
			});
		}
		expect((await history(bob))[0]).toMatchObject({ end_code: 487, missed: true });
		for (const x of [a, b1, b2]) x.close();
	});

	it("the caller's connection dropping mid-call is bye 500 for the callee at once", async () => {
		const { bob, a, b, callId } = await answeredAliceBob();
		a.close(4000);
		expect(await byeOn(b, callId, 5000)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 500,
			reason: "dropped",
			ended_by: "caller",
		});
		expect((await history(bob))[0]).toMatchObject({ id: callId, end_code: 500, ended_by: "caller" });
		b.close();
	});

	it("the answering device dropping is bye 500 for the caller; another callee device dropping is nothing", async () => {
		const { alice, a, bs, callId } = await answeredAliceBob(2);
		const [bAnswer, bOther] = bs;
		bOther.close();
		await expectQuiet([a, bAnswer]);
		expect((await storedCall(alice.id))?.state).toBe("answered");
		bAnswer.close();
		expect(await byeOn(a, callId, 5000)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 500,
			reason: "dropped",
			ended_by: "callee",
		});
		a.close();
	});

	it("a ringing device dropping leaves the call ringing on the others", async () => {
		const { a, bs, callId } = await ringingCall(2);
		const [b1, b2] = bs;
		b1.close();
		await expectQuiet([a]);
		await b2.request({ type: "call.answer", call_id: callId, sdp: SDP_ANSWER });
		await a.waitFor((f) => f.type === "call.answer");
		a.close();
		b2.close();
	});

	it("liveness: an answered call whose other hub lost it ends with 500 lost at the next probe", async () => {
		const { alice, bob, a, b, callId } = await answeredAliceBob();
		// While both hold it, a probe keeps it going.
		await elapse(alice.id, CALL_TIMING.PROBE_MS);
		await expectQuiet([a, b], 100);
		expect((await storedCall(alice.id))?.state).toBe("answered");
		await runInDurableObject(hubStub(bob.id), (_h, state) => state.storage.delete("call:current"));
		await elapse(alice.id, CALL_TIMING.PROBE_MS);
		expect(await byeOn(a, callId)).toEqual({
			type: "call.bye",
			call_id: callId,
			code: 500,
			reason: "lost",
			ended_by: "system",
		});
		expect((await history(alice))[0]).toMatchObject({ id: callId, end_code: 500, end_reason: "lost" });
		a.close();
		b.close();
	});

	it("an ended call is forgotten after a while and its history row stays", async () => {
		const { alice, bob, a, b, callId } = await answeredAliceBob();
		await a.request({ type: "call.bye", call_id: callId, code: 200 });
		await byeOn(b, callId);
		await elapse(alice.id, CALL_TIMING.KEEP_ENDED_MS);
		await elapse(bob.id, CALL_TIMING.KEEP_ENDED_MS);
		expect(await storedCall(alice.id)).toBeNull();
		expect(await storedCall(bob.id)).toBeNull();
		// A late frame for it is now simply unknown.
		const late = await b.call({ type: "call.ice", call_id: callId, candidate: { candidate: "" } });
		expect(late).toMatchObject({ type: "error", code: 404, reason: "CALL_NOT_FOUND" });
		expect((await history(alice)).map((r) => r.id)).toEqual([callId]);
		a.close();
		b.close();
	});
});

import { describe, expect, it } from "vitest";
import {
	afterProbe,
	answerRefused,
	applyOfferReply,
	offerFrame,
	onLocalAction,
	onPeerSignal,
	onSocketClosed,
	onTimer,
	startIncoming,
	startOutgoing,
} from "../../src/domain/calls/machine";
import { CALL_TIMING, type CallRecord, type PeerSignal, type Transition } from "../../src/domain/calls/types";
import { fail } from "../../src/lib/result";

const T0 = 1_767_225_600_000;
const SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
const cand = {
	candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",
	sdpMid: "0",
	sdpMLineIndex: 0,
};

function must(t: Transition | null | "probe" | "forget"): Extract<Transition, { ok: true }> {
	if (!t || typeof t === "string" || !t.ok)
		throw new Error(`expected a transition, got ${JSON.stringify(t)}`);
	return t;
}
function refusal(t: Transition) {
	if (t.ok) throw new Error("expected a refusal");
	return t.error;
}

const outgoing = () =>
	must(startOutgoing(null, { callId: "c1", callerId: "A", calleeId: "B", socketId: "a1", now: T0 })).call;
const offer: Extract<PeerSignal, { kind: "offer" }> = {
	kind: "offer",
	callId: "c1",
	callerId: "A",
	calleeId: "B",
	caller: { id: "A", display_name: "Ann" },
	sdp: SDP,
	ringUntil: T0 + CALL_TIMING.RING_MS,
};
const incoming = (devices = 2) => must(startIncoming(null, offer, devices, null, T0)).call;
const answeredCallee = () =>
	must(onLocalAction(incoming(), "c1", "b1", { kind: "answer", sdp: SDP }, T0 + 1000)).call;
const answeredCaller = () =>
	must(onPeerSignal(outgoing(), { kind: "answer", callId: "c1", sdp: SDP }, T0 + 1000).transition).call;

describe("starting calls", () => {
	it("creates a ringing outgoing call with the ring deadline as the next check", () => {
		const c = outgoing();
		expect(c).toMatchObject({
			role: "caller",
			state: "ringing",
			socketId: "a1",
			delivered: false,
			nextCheckAt: T0 + CALL_TIMING.RING_MS,
		});
	});

	it("refuses calling yourself and a second call while one is active", () => {
		expect(
			refusal(startOutgoing(null, { callId: "x", callerId: "A", calleeId: "A", socketId: "a1", now: T0 }))
				.reason,
		).toBe("CALL_SELF");
		expect(
			refusal(
				startOutgoing(outgoing(), { callId: "x", callerId: "A", calleeId: "C", socketId: "a2", now: T0 }),
			).reason,
		).toBe("CALL_IN_PROGRESS");
	});

	it("allows a new call once the previous one has ended", () => {
		const ended = must(onLocalAction(outgoing(), "c1", "a1", { kind: "bye", code: 200 }, T0)).call;
		expect(
			startOutgoing(ended, { callId: "c2", callerId: "A", calleeId: "B", socketId: "a1", now: T0 }).ok,
		).toBe(true);
	});

	it("rings every callee device, or pushes when none is connected", () => {
		const rang = must(startIncoming(null, offer, 2, null, T0));
		expect(rang.call).toMatchObject({ role: "callee", state: "ringing", socketId: null, delivered: true });
		expect(rang.effects).toEqual([
			{
				kind: "send",
				to: { all: true },
				frame: expect.objectContaining({
					type: "call.offer",
					call_id: "c1",
					sdp: SDP,
					caller: { id: "A", display_name: "Ann" },
				}),
			},
		]);
		const pushed = must(startIncoming(null, offer, 0, null, T0));
		expect(pushed.call.delivered).toBe(false);
		expect(pushed.effects).toEqual([{ kind: "push" }]);
	});

	it("hands ringing devices the TURN lease minted for the callee (issue 13 item 13)", () => {
		const calleeTurn = {
			ice_servers: [{ urls: ["turn:turn.example:3478"] }],
			username: "1700000000:B",
			credential: "for-B",
			credential_type: "password" as const,
			ttl_s: 3600,
			expires_at: T0 + 3_600_000,
		};
		const rang = must(startIncoming(null, offer, 1, calleeTurn, T0));
		expect(offerFrame(rang.call).turn_server).toEqual(calleeTurn);
		expect(offerFrame(must(startIncoming(null, offer, 1, null, T0)).call).turn_server).toBeNull();
	});

	it("is busy (486) when the callee is in any active call, caller or callee", () => {
		expect(refusal(startIncoming(outgoing(), offer, 1, null, T0))).toMatchObject({
			code: 486,
			reason: "BUSY",
		});
		expect(refusal(startIncoming(incoming(), { ...offer, callId: "c2" }, 1, null, T0)).code).toBe(486);
	});
});

describe("caller side", () => {
	it("records delivery from the offer reply, and ends with 486 on busy", () => {
		expect(must(applyOfferReply(outgoing(), { ok: true, value: { devices: 2 } }, T0)).call.delivered).toBe(
			true,
		);
		const busy = must(applyOfferReply(outgoing(), fail("BUSY", 486, "Busy on another call"), T0));
		expect(busy.call).toMatchObject({
			state: "ended",
			end: { code: 486, reason: "busy", endedBy: "system" },
		});
		expect(busy.effects).toEqual([
			{
				kind: "send",
				to: { socket: "a1" },
				frame: { type: "call.bye", call_id: "c1", code: 486, reason: "busy", ended_by: "system" },
			},
			{ kind: "history" },
		]);
	});

	it("ends with 500 when the callee's hub could not be reached", () => {
		const t = must(applyOfferReply(outgoing(), "failed", T0));
		expect(t.call.end).toEqual({ code: 500, reason: "signalling_failed", endedBy: "system" });
	});

	it("passes ack and answer on to the calling device only", () => {
		const acked = must(onPeerSignal(outgoing(), { kind: "ack", callId: "c1" }, T0 + 10).transition);
		expect(acked.call).toMatchObject({ ackedAt: T0 + 10, delivered: true, state: "ringing" });
		expect(acked.effects).toEqual([
			{ kind: "send", to: { socket: "a1" }, frame: { type: "call.ack", call_id: "c1" } },
		]);
		const ans = must(
			onPeerSignal(acked.call, { kind: "answer", callId: "c1", sdp: SDP }, T0 + 20).transition,
		);
		expect(ans.call).toMatchObject({
			state: "answered",
			answeredAt: T0 + 20,
			nextCheckAt: T0 + 20 + CALL_TIMING.PROBE_MS,
		});
		expect(ans.effects).toEqual([
			{ kind: "send", to: { socket: "a1" }, frame: { type: "call.answer", call_id: "c1", sdp: SDP } },
		]);
	});

	it("refuses an answer for a call that already ended, giving the reason", () => {
		const ended = must(onLocalAction(outgoing(), undefined, "a1", { kind: "bye", code: 200 }, T0)).call;
		const r = onPeerSignal(ended, { kind: "answer", callId: "c1", sdp: SDP }, T0 + 5);
		expect(r.transition).toBeNull();
		expect(r.reply).toEqual({
			ok: false,
			code: "CALL_ENDED",
			status: 410,
			message: "The call has ended",
			details: { end: { code: 487, reason: "cancelled", endedBy: "caller" } },
		});
	});

	it("only lets the calling device send ice/bye, and never ack/answer", () => {
		const c = outgoing();
		expect(refusal(onLocalAction(c, "c1", "a2", { kind: "ice", candidate: cand }, T0)).reason).toBe(
			"NOT_A_PARTY",
		);
		expect(refusal(onLocalAction(c, "c1", "a1", { kind: "ack" }, T0)).reason).toBe("INVALID_STATE");
		expect(refusal(onLocalAction(c, "c1", "a1", { kind: "answer", sdp: SDP }, T0)).reason).toBe(
			"INVALID_STATE",
		);
		const accepted = must(applyOfferReply(c, { ok: true, value: { devices: 1 } }, T0)).call;
		const ice = must(onLocalAction(accepted, "c1", "a1", { kind: "ice", candidate: cand }, T0));
		expect(ice.call).toBe(accepted);
		expect(ice.effects).toEqual([{ kind: "peer", signal: { kind: "ice", callId: "c1", candidate: cand } }]);
	});

	it("turns a bye while ringing into 487 cancelled, and a normal bye after answer into 200", () => {
		const cancel = must(onLocalAction(outgoing(), "c1", "a1", { kind: "bye", code: 200 }, T0 + 3000));
		expect(cancel.call.end).toEqual({ code: 487, reason: "cancelled", endedBy: "caller" });
		expect(cancel.effects).toContainEqual({
			kind: "peer",
			signal: { kind: "bye", callId: "c1", code: 487, reason: "cancelled", endedBy: "caller" },
		});
		expect(cancel.effects).toContainEqual({ kind: "history" });
		const hangup = must(
			onLocalAction(answeredCaller(), "c1", "a1", { kind: "bye", code: 200, reason: "hung up" }, T0 + 9000),
		);
		expect(hangup.call.end).toEqual({ code: 200, reason: "hung up", endedBy: "caller" });
	});

	it("ends on the callee's bye and tells the calling device", () => {
		const t = must(
			onPeerSignal(
				answeredCaller(),
				{ kind: "bye", callId: "c1", code: 200, reason: "normal", endedBy: "callee" },
				T0 + 5000,
			).transition,
		);
		expect(t.call).toMatchObject({ state: "ended", endedAt: T0 + 5000 });
		expect(t.effects).toEqual([
			{
				kind: "send",
				to: { socket: "a1" },
				frame: { type: "call.bye", call_id: "c1", code: 200, reason: "normal", ended_by: "callee" },
			},
			{ kind: "history" },
		]);
	});
});

describe("callee side", () => {
	it("forwards the first ack only", () => {
		const t = must(onLocalAction(incoming(), "c1", "b1", { kind: "ack" }, T0 + 5));
		expect(t.effects).toEqual([{ kind: "peer", signal: { kind: "ack", callId: "c1" } }]);
		expect(must(onLocalAction(t.call, "c1", "b2", { kind: "ack" }, T0 + 6)).effects).toEqual([]);
	});

	it("first answer wins: the answering device becomes the party, the others hear answered_elsewhere", () => {
		const t = must(onLocalAction(incoming(), "c1", "b1", { kind: "answer", sdp: SDP }, T0 + 1000));
		expect(t.call).toMatchObject({ state: "answered", socketId: "b1", answeredAt: T0 + 1000 });
		expect(t.effects).toEqual([
			{ kind: "peer", signal: { kind: "answer", callId: "c1", sdp: SDP } },
			{
				kind: "send",
				to: { all: true, except: "b1" },
				frame: {
					type: "call.bye",
					call_id: "c1",
					code: 200,
					reason: "answered_elsewhere",
					ended_by: "callee",
				},
			},
		]);
		const late = refusal(onLocalAction(t.call, "c1", "b2", { kind: "answer", sdp: SDP }, T0 + 1001));
		expect(late).toMatchObject({ code: 409, reason: "ANSWERED_ELSEWHERE" });
		expect(refusal(onLocalAction(t.call, "c1", "b1", { kind: "answer", sdp: SDP }, T0 + 1002)).reason).toBe(
			"INVALID_STATE",
		);
	});

	it("refuses ICE before answering and from devices that did not answer", () => {
		expect(refusal(onLocalAction(incoming(), "c1", "b1", { kind: "ice", candidate: cand }, T0)).reason).toBe(
			"INVALID_STATE",
		);
		expect(
			refusal(onLocalAction(answeredCallee(), "c1", "b2", { kind: "ice", candidate: cand }, T0)).reason,
		).toBe("ANSWERED_ELSEWHERE");
		expect(
			must(onLocalAction(answeredCallee(), "c1", "b1", { kind: "ice", candidate: cand }, T0)).effects,
		).toHaveLength(1);
	});

	it("buffers the caller's candidates while ringing (bounded) and sends them to every ringing device", () => {
		let c = incoming();
		for (let i = 0; i < CALL_TIMING.PENDING_ICE_MAX + 5; i++) {
			const t = must(
				onPeerSignal(c, { kind: "ice", callId: "c1", candidate: { ...cand, candidate: `c${i}` } }, T0)
					.transition,
			);
			expect(t.effects[0]).toMatchObject({ kind: "send", to: { all: true } });
			c = t.call;
		}
		expect(c.pendingIce).toHaveLength(CALL_TIMING.PENDING_ICE_MAX);
		expect(c.pendingIce?.at(-1)?.candidate).toBe(`c${CALL_TIMING.PENDING_ICE_MAX + 4}`);
		const after = must(
			onPeerSignal(answeredCallee(), { kind: "ice", callId: "c1", candidate: cand }, T0).transition,
		);
		expect(after.effects).toEqual([
			{ kind: "send", to: { socket: "b1" }, frame: { type: "call.ice", call_id: "c1", candidate: cand } },
		]);
	});

	it("a decline on one device ends the call (603) and stops the others ringing", () => {
		const t = must(onLocalAction(incoming(), "c1", "b2", { kind: "bye", code: 200 }, T0 + 2000));
		expect(t.call.end).toEqual({ code: 603, reason: "declined", endedBy: "callee" });
		expect(t.effects).toEqual([
			{
				kind: "send",
				to: { all: true, except: "b2" },
				frame: {
					type: "call.bye",
					call_id: "c1",
					code: 603,
					reason: "declined_elsewhere",
					ended_by: "callee",
				},
			},
			{
				kind: "peer",
				signal: { kind: "bye", callId: "c1", code: 603, reason: "declined", endedBy: "callee" },
			},
		]);
		expect(must(onLocalAction(incoming(), "c1", "b1", { kind: "bye", code: 486 }, T0)).call.end?.reason).toBe(
			"busy",
		);
	});

	it("stops every ringing device when the caller cancels", () => {
		const t = must(
			onPeerSignal(
				incoming(),
				{ kind: "bye", callId: "c1", code: 487, reason: "cancelled", endedBy: "caller" },
				T0,
			).transition,
		);
		expect(t.effects).toEqual([
			{
				kind: "send",
				to: { all: true },
				frame: { type: "call.bye", call_id: "c1", code: 487, reason: "cancelled", ended_by: "caller" },
			},
		]);
	});

	it("ends an answer that lost the race with the caller's end, on every device", () => {
		const t = must(
			answerRefused(answeredCallee(), { code: 487, reason: "cancelled", endedBy: "caller" }, T0 + 2000),
		);
		expect(t.call.state).toBe("ended");
		expect(t.effects).toEqual([
			{
				kind: "send",
				to: { all: true },
				frame: { type: "call.bye", call_id: "c1", code: 487, reason: "cancelled", ended_by: "caller" },
			},
		]);
	});
});

describe("refused frames change nothing", () => {
	it("answers 404 for no call or another call id, 410 once ended", () => {
		expect(refusal(onLocalAction(null, undefined, "b1", { kind: "answer", sdp: SDP }, T0))).toMatchObject({
			code: 404,
			reason: "CALL_NOT_FOUND",
		});
		expect(refusal(onLocalAction(incoming(), "other", "b1", { kind: "ack" }, T0)).code).toBe(404);
		const ended = must(onLocalAction(incoming(), "c1", "b1", { kind: "bye", code: 603 }, T0)).call;
		expect(refusal(onLocalAction(ended, "c1", "b1", { kind: "ice", candidate: cand }, T0))).toMatchObject({
			code: 410,
			reason: "CALL_ENDED",
		});
	});

	it("ignores peer signals for calls it does not hold", () => {
		expect(onPeerSignal(null, { kind: "ice", callId: "c1", candidate: cand }, T0)).toEqual({
			transition: null,
			reply: { ok: false, code: "NO_CALL", status: 404, message: "No such call" },
		});
		expect(
			onPeerSignal(incoming(), { kind: "bye", callId: "zzz", code: 200, reason: "x", endedBy: "caller" }, T0)
				.reply.ok,
		).toBe(false);
	});
});

describe("ICE ordering across hubs", () => {
	const c2 = { ...cand, candidate: "candidate:2 1 udp 1 192.0.2.2 5 typ host" };

	it("holds the caller's candidates until the callee's hub has the offer, then sends them in order", () => {
		let c = outgoing();
		c = must(onLocalAction(c, "c1", "a1", { kind: "ice", candidate: cand }, T0)).call;
		const t = must(onLocalAction(c, "c1", "a1", { kind: "ice", candidate: c2 }, T0));
		expect(t.effects).toEqual([]);
		expect(t.call.heldOut).toEqual([cand, c2]);
		const r = must(applyOfferReply(t.call, { ok: true, value: { devices: 1 } }, T0));
		expect(r.call).toMatchObject({ offerAccepted: true, heldOut: [] });
		expect(r.effects).toEqual([
			{ kind: "peer", signal: { kind: "ice", callId: "c1", candidate: cand } },
			{ kind: "peer", signal: { kind: "ice", callId: "c1", candidate: c2 } },
		]);
		// Once accepted, candidates go straight through.
		expect(
			must(onLocalAction(r.call, "c1", "a1", { kind: "ice", candidate: cand }, T0)).effects,
		).toHaveLength(1);
	});

	it("an answer that overtakes the offer reply releases the held candidates first", () => {
		const held = must(onLocalAction(outgoing(), "c1", "a1", { kind: "ice", candidate: cand }, T0)).call;
		const t = must(onPeerSignal(held, { kind: "answer", callId: "c1", sdp: SDP }, T0 + 5).transition);
		expect(t.effects.map((e) => e.kind)).toEqual(["peer", "send"]);
		expect(t.call).toMatchObject({ state: "answered", offerAccepted: true, heldOut: [] });
		// The late offer reply then changes nothing.
		expect(must(applyOfferReply(t.call, { ok: true, value: { devices: 1 } }, T0 + 6)).effects).toEqual([]);
	});

	it("holds callee candidates that arrive before the answer and delivers them right after it", () => {
		const accepted = must(applyOfferReply(outgoing(), { ok: true, value: { devices: 1 } }, T0)).call;
		const early = must(onPeerSignal(accepted, { kind: "ice", callId: "c1", candidate: c2 }, T0).transition);
		expect(early.effects).toEqual([]);
		const t = must(onPeerSignal(early.call, { kind: "answer", callId: "c1", sdp: SDP }, T0 + 1).transition);
		expect(t.effects).toEqual([
			{ kind: "send", to: { socket: "a1" }, frame: { type: "call.answer", call_id: "c1", sdp: SDP } },
			{ kind: "send", to: { socket: "a1" }, frame: { type: "call.ice", call_id: "c1", candidate: c2 } },
		]);
		expect(t.call.heldIn).toEqual([]);
	});

	it("keeps every buffer bounded", () => {
		let c = outgoing();
		for (let i = 0; i < CALL_TIMING.PENDING_ICE_MAX + 10; i++) {
			c = must(
				onLocalAction(c, "c1", "a1", { kind: "ice", candidate: { ...cand, candidate: `c${i}` } }, T0),
			).call;
		}
		expect(c.heldOut).toHaveLength(CALL_TIMING.PENDING_ICE_MAX);
		expect(c.heldOut?.[0]?.candidate).toBe("c10");
	});
});

describe("drops, timeouts and liveness", () => {
	it("a party's socket closing ends the call with 500 dropped and tells the peer", () => {
		const t = must(onSocketClosed(answeredCaller(), "a1", T0 + 7000));
		expect(t.call.end).toEqual({ code: 500, reason: "dropped", endedBy: "caller" });
		expect(t.effects).toContainEqual({
			kind: "peer",
			signal: { kind: "bye", callId: "c1", code: 500, reason: "dropped", endedBy: "caller" },
		});
		expect(must(onSocketClosed(answeredCallee(), "b1", T0)).call.end?.endedBy).toBe("callee");
	});

	it("other sockets closing, or a ringing callee device closing, change nothing", () => {
		expect(onSocketClosed(answeredCaller(), "a2", T0)).toBeNull();
		expect(onSocketClosed(incoming(), "b1", T0)).toBeNull();
		expect(onSocketClosed(null, "b1", T0)).toBeNull();
	});

	it("rings out with 480 when a device rang, 408 when none was reachable", () => {
		const early = onTimer(outgoing(), T0 + 1000);
		expect(early).toBeNull();
		const delivered = must(applyOfferReply(outgoing(), { ok: true, value: { devices: 1 } }, T0)).call;
		const t480 = must(onTimer(delivered, T0 + CALL_TIMING.RING_MS));
		expect(t480.call.end).toEqual({ code: 480, reason: "no_answer", endedBy: "system" });
		expect(t480.effects.map((e) => e.kind)).toEqual(["send", "peer", "history"]);
		const t408 = must(onTimer(outgoing(), T0 + CALL_TIMING.RING_MS));
		expect(t408.call.end).toEqual({ code: 408, reason: "unreachable", endedBy: "system" });
	});

	it("the callee's hub gives the caller's hub a grace period before ending by itself", () => {
		const c = incoming();
		expect(onTimer(c, T0 + CALL_TIMING.RING_MS)).toBeNull();
		const t = must(onTimer(c, c.ringUntil + CALL_TIMING.CALLEE_GRACE_MS));
		expect(t.call.end?.code).toBe(480);
		expect(t.effects[0]).toMatchObject({ kind: "send", to: { all: true } });
		expect(t.effects).not.toContainEqual({ kind: "history" });
	});

	it("answered calls are probed; a dead peer ends them with 500 lost; ended calls are forgotten later", () => {
		const c = answeredCaller();
		expect(onTimer(c, c.nextCheckAt)).toBe("probe");
		expect(must(afterProbe(c, true, T0 + 40_000)).call.nextCheckAt).toBe(T0 + 40_000 + CALL_TIMING.PROBE_MS);
		const lost = must(afterProbe(c, false, T0 + 40_000));
		expect(lost.call.end).toEqual({ code: 500, reason: "lost", endedBy: "system" });
		expect(onTimer(lost.call, T0 + 40_000 + CALL_TIMING.KEEP_ENDED_MS)).toBe("forget");
	});

	it("a probe for a live call answers ok", () => {
		const c: CallRecord = answeredCallee();
		expect(onPeerSignal(c, { kind: "probe", callId: "c1" }, T0).reply).toEqual({ ok: true, value: {} });
	});
});

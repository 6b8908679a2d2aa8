import type { CallParty, IceCandidate, TurnServerInfo } from "@hatch/contract/call-frames";
import { fail } from "../../lib/result";
import { endEffects, ended, isActive, localAudience, ok, reasonFor, refuse } from "./ending";
import { holdInbound, holdOutbound, keepForLateDevices, releaseInbound, releaseOutbound } from "./ice";
import {
	CALL_TIMING,
	type CallEnd,
	type CallRecord,
	type Effect,
	type PeerReply,
	type PeerSignal,
	SIP,
	type Transition,
} from "./types";

/**
 * The call state machine, pure: (record, event, now) → (record, effects) or a
 * refusal. A refusal never changes anything, which is what makes bad and
 * out-of-order frames harmless. The UserHub only loads/stores the record and
 * performs the effects (frames to sockets, signals to the other hub, push,
 * history row), so every rule lives and is tested here.
 *
 *   ringing ──answer──► answered ──bye/drop/lost──► ended
 *      └──── bye / decline / busy / timeout / drop ────┘
 */

/** Starts an outgoing call on the caller's hub. Refused while the caller is in another call. */
export function startOutgoing(
	current: CallRecord | null,
	input: { callId: string; callerId: string; calleeId: string; socketId: string; now: number },
): Transition {
	if (input.callerId === input.calleeId) return refuse(400, "CALL_SELF", "You cannot call yourself");
	if (isActive(current)) return refuse(409, "CALL_IN_PROGRESS", "End your current call first");
	return ok({
		id: input.callId,
		role: "caller",
		callerId: input.callerId,
		calleeId: input.calleeId,
		state: "ringing",
		socketId: input.socketId,
		startedAt: input.now,
		ringUntil: input.now + CALL_TIMING.RING_MS,
		delivered: false,
		ackedAt: null,
		answeredAt: null,
		endedAt: null,
		end: null,
		offerAccepted: false,
		nextCheckAt: input.now + CALL_TIMING.RING_MS,
	});
}

/**
 * Receives an offer on the callee's hub: every device rings, or the app is
 * woken by push. Busy if in a call. `turn` is the lease minted for the
 * callee (the caller's credentials never leave the caller's hub).
 */
export function startIncoming(
	current: CallRecord | null,
	offer: Extract<PeerSignal, { kind: "offer" }>,
	devices: number,
	turn: TurnServerInfo | null,
	now: number,
): Transition {
	if (isActive(current)) return refuse(486, "BUSY", "The callee is in another call");
	const call: CallRecord = {
		id: offer.callId,
		role: "callee",
		callerId: offer.callerId,
		calleeId: offer.calleeId,
		state: "ringing",
		socketId: null,
		startedAt: now,
		ringUntil: offer.ringUntil,
		delivered: devices > 0,
		ackedAt: null,
		answeredAt: null,
		endedAt: null,
		end: null,
		incoming: { caller: offer.caller, sdp: offer.sdp, turn },
		pendingIce: [],
		nextCheckAt: offer.ringUntil + CALL_TIMING.CALLEE_GRACE_MS,
	};
	return ok(
		call,
		devices > 0 ? [{ kind: "send", to: { all: true }, frame: offerFrame(call) }] : [{ kind: "push" }],
	);
}

/** The `call.offer` event a ringing callee device gets (also replayed to devices that connect late). */
export function offerFrame(call: CallRecord) {
	if (!call.incoming) throw new Error("offerFrame on a call without an incoming offer");
	return {
		type: "call.offer",
		call_id: call.id,
		caller: call.incoming.caller,
		sdp: call.incoming.sdp,
		turn_server: call.incoming.turn,
		candidates: call.pendingIce ?? [],
		ring_until: call.ringUntil,
	} as const;
}

/** Caller side: what the callee's hub said to the offer. */
export function applyOfferReply(call: CallRecord, reply: PeerReply | "failed", now: number): Transition {
	if (call.state === "ended") {
		// The caller hung up while the offer was on its way: the bye may have overtaken it, so say it again.
		if (call.end && reply !== "failed" && reply.ok) {
			return ok(call, [{ kind: "peer", signal: { kind: "bye", callId: call.id, ...call.end } }]);
		}
		return ok(call);
	}
	// Answered already: the answer overtook this reply and released everything then.
	if (call.state === "answered") return ok(call);
	if (reply === "failed") {
		const end = { code: SIP.SERVER_ERROR, reason: "signalling_failed", endedBy: "system" } as const;
		return ok(ended(call, end, now), endEffects(call, end, { tellPeer: true, local: "party" }));
	}
	if (reply.ok) {
		const released = releaseOutbound(call);
		return ok(
			{ ...released.call, delivered: call.delivered || (reply.value.devices ?? 0) > 0 },
			released.effects,
		);
	}
	const end: CallEnd =
		reply.code === "BUSY"
			? { code: SIP.BUSY_HERE, reason: "busy", endedBy: "system" }
			: { code: SIP.SERVER_ERROR, reason: "signalling_failed", endedBy: "system" };
	return ok(ended(call, end, now), endEffects(call, end, { tellPeer: false, local: "party" }));
}

export type LocalAction =
	| { kind: "ack" }
	| { kind: "answer"; sdp: string }
	| { kind: "ice"; candidate: IceCandidate }
	| { kind: "bye"; code: number; reason?: string };

/** A `call.*` request from one of this hub's own sockets. `callId` undefined means "my current call". */
export function onLocalAction(
	current: CallRecord | null,
	callId: string | undefined,
	socketId: string,
	action: LocalAction,
	now: number,
): Transition {
	if (!current || (callId !== undefined && callId !== current.id)) {
		return refuse(404, "CALL_NOT_FOUND", "No such call");
	}
	const call = current;
	if (call.state === "ended") return refuse(410, "CALL_ENDED", "The call has ended");
	const isParty = call.socketId === socketId;
	const me: CallParty = call.role;

	if (call.role === "caller") {
		if (!isParty) return refuse(403, "NOT_A_PARTY", "This call belongs to another of your devices");
		if (action.kind === "ack" || action.kind === "answer") {
			return refuse(409, "INVALID_STATE", `The caller does not send call.${action.kind}`);
		}
	} else if (call.state === "answered" && !isParty) {
		return refuse(409, "ANSWERED_ELSEWHERE", "The call was answered on another device");
	}

	switch (action.kind) {
		case "ack": {
			if (call.state !== "ringing") return refuse(409, "INVALID_STATE", "The call is already answered");
			if (call.ackedAt !== null) return ok(call);
			return ok({ ...call, ackedAt: now }, [{ kind: "peer", signal: { kind: "ack", callId: call.id } }]);
		}
		case "answer": {
			if (call.state !== "ringing") return refuse(409, "INVALID_STATE", "The call is already answered");
			const answered: CallRecord = {
				...call,
				state: "answered",
				socketId,
				answeredAt: now,
				pendingIce: [],
				nextCheckAt: now + CALL_TIMING.PROBE_MS,
			};
			return ok(answered, [
				{ kind: "peer", signal: { kind: "answer", callId: call.id, sdp: action.sdp } },
				{
					kind: "send",
					to: { all: true, except: socketId },
					frame: {
						type: "call.bye",
						call_id: call.id,
						code: SIP.OK,
						reason: "answered_elsewhere",
						ended_by: "callee",
					},
				},
			]);
		}
		case "ice": {
			// The callee's candidates only exist once it has answered; earlier ones would be from a device that may never answer.
			if (call.role === "callee" && call.state !== "answered") {
				return refuse(409, "INVALID_STATE", "Answer the call before sending candidates");
			}
			if (call.role === "caller" && call.offerAccepted === false) {
				return ok(holdOutbound(call, action.candidate));
			}
			return ok(call, [
				{ kind: "peer", signal: { kind: "ice", callId: call.id, candidate: action.candidate } },
			]);
		}
		case "bye": {
			let code = action.code;
			// A 200 before the call was answered is a cancel (caller) or a decline (callee); record it as such.
			if (call.state === "ringing" && code === SIP.OK)
				code = me === "caller" ? SIP.REQUEST_TERMINATED : SIP.DECLINE;
			const end: CallEnd = { code, reason: action.reason || reasonFor(code), endedBy: me };
			const effects = endEffects(call, end, { tellPeer: true, local: "party" });
			if (call.role === "callee" && call.state === "ringing") {
				effects.unshift({
					kind: "send",
					to: { all: true, except: socketId },
					frame: {
						type: "call.bye",
						call_id: call.id,
						code,
						reason: "declined_elsewhere",
						ended_by: "callee",
					},
				});
			}
			return ok(ended(call, end, now), effects);
		}
	}
}

const noCall: PeerReply = fail("NO_CALL", 404, "No such call");

/** A signal from the other party's hub. Returns the transition (never a refusal) and the reply to send back. */
export function onPeerSignal(
	current: CallRecord | null,
	signal: Exclude<PeerSignal, { kind: "offer" }>,
	now: number,
): { transition: Transition | null; reply: PeerReply } {
	if (!current || current.id !== signal.callId) return { transition: null, reply: noCall };
	const call = current;
	if (call.state === "ended") {
		return {
			transition: null,
			reply: fail("CALL_ENDED", 410, "The call has ended", call.end ? { end: call.end } : undefined),
		};
	}
	const toParty = call.role === "caller" || call.state === "answered";
	const local = call.socketId && toParty ? { socket: call.socketId } : ({ all: true } as const);
	// Any signal about the call proves the callee's hub holds the offer: held caller candidates may go.
	const released =
		signal.kind === "bye" || signal.kind === "probe" ? { call, effects: [] } : releaseOutbound(call);
	const base = released.call;
	const done = (next: CallRecord, effects: Effect[] = []) => ({
		transition: ok(next, [...released.effects, ...effects]),
		reply: { ok: true, value: {} } as const,
	});
	switch (signal.kind) {
		case "probe":
			return { transition: null, reply: { ok: true, value: {} } };
		case "ringing":
			return done({ ...base, delivered: true });
		case "ack": {
			if (call.role !== "caller" || call.state !== "ringing") return done(base);
			const next = { ...base, delivered: true, ackedAt: call.ackedAt ?? now };
			return done(next, [{ kind: "send", to: local, frame: { type: "call.ack", call_id: call.id } }]);
		}
		case "answer": {
			if (call.role !== "caller" || call.state !== "ringing")
				return { transition: null, reply: fail("CALL_ENDED", 410, "The call has ended") };
			const answered: CallRecord = {
				...base,
				state: "answered",
				delivered: true,
				answeredAt: now,
				nextCheckAt: now + CALL_TIMING.PROBE_MS,
			};
			// The answer first, then the callee candidates that arrived ahead of it.
			const inbound = releaseInbound(answered);
			return done(inbound.call, [
				{ kind: "send", to: local, frame: { type: "call.answer", call_id: call.id, sdp: signal.sdp } },
				...inbound.effects,
			]);
		}
		case "ice": {
			if (call.role === "caller" && call.state === "ringing")
				return done(holdInbound(base, signal.candidate));
			const frame = { type: "call.ice", call_id: call.id, candidate: signal.candidate } as const;
			const next =
				call.role === "callee" && call.state === "ringing"
					? keepForLateDevices(base, signal.candidate)
					: base;
			return done(next, [{ kind: "send", to: local, frame }]);
		}
		case "bye": {
			const end: CallEnd = { code: signal.code, reason: signal.reason, endedBy: signal.endedBy };
			return {
				transition: ok(
					ended(call, end, now),
					endEffects(call, end, { tellPeer: false, local: localAudience(call) }),
				),
				reply: { ok: true, value: {} },
			};
		}
	}
}

export { reasonFor } from "./ending";
export { afterProbe, answerRefused, onSocketClosed, onTimer } from "./timers";

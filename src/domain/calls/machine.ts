import type { CallParty, IceCandidate } from "../../protocol/call-frames";
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

const refuse = (code: number, reason: string, message: string): Transition => ({
	ok: false,
	error: { code, reason, message },
});
const ok = (call: CallRecord, effects: Effect[] = []): Transition => ({ ok: true, call, effects });
const isActive = (c: CallRecord | null): c is CallRecord => !!c && c.state !== "ended";

function ended(call: CallRecord, end: CallEnd, now: number): CallRecord {
	return { ...call, state: "ended", end, endedAt: now, nextCheckAt: now + CALL_TIMING.KEEP_ENDED_MS };
}

/** The bye frame a hub's own devices get, and the effects that end the call on this side. */
function endEffects(
	call: CallRecord,
	end: CallEnd,
	opts: { tellPeer: boolean; local: "party" | "all" },
): Effect[] {
	const frame = {
		type: "call.bye",
		call_id: call.id,
		code: end.code,
		reason: end.reason,
		ended_by: end.endedBy,
	} as const;
	const effects: Effect[] = [];
	if (opts.local === "all") effects.push({ kind: "send", to: { all: true }, frame });
	else if (call.socketId) effects.push({ kind: "send", to: { socket: call.socketId }, frame });
	if (opts.tellPeer) effects.push({ kind: "peer", signal: { kind: "bye", callId: call.id, ...end } });
	if (call.role === "caller") effects.push({ kind: "history" });
	return effects;
}

/** Where this side's devices hear about the end: the callee's devices all ring until someone answers. */
const localAudience = (call: CallRecord): "party" | "all" =>
	call.role === "callee" && call.state === "ringing" ? "all" : "party";

/** Reason word for a SIP code when the client gave none. */
export function reasonFor(code: number): string {
	const words: Record<number, string> = {
		200: "normal",
		404: "not_found",
		408: "unreachable",
		480: "no_answer",
		486: "busy",
		487: "cancelled",
		500: "dropped",
		603: "declined",
	};
	return words[code] ?? (code >= 600 ? "declined" : code >= 500 ? "server_error" : "ended");
}

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
		nextCheckAt: input.now + CALL_TIMING.RING_MS,
	});
}

/** Receives an offer on the callee's hub: every device rings, or the app is woken by push. Busy if in a call. */
export function startIncoming(
	current: CallRecord | null,
	offer: Extract<PeerSignal, { kind: "offer" }>,
	devices: number,
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
		incoming: { caller: offer.caller, sdp: offer.sdp, turn: offer.turn },
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
	if (call.state === "ended" && call.end && reply !== "failed" && reply.ok) {
		// The caller hung up while the offer was on its way: the bye may have overtaken it, so say it again.
		return ok(call, [{ kind: "peer", signal: { kind: "bye", callId: call.id, ...call.end } }]);
	}
	if (call.state !== "ringing") return ok(call);
	if (reply === "failed") {
		const end = { code: SIP.SERVER_ERROR, reason: "signalling_failed", endedBy: "system" } as const;
		return ok(ended(call, end, now), endEffects(call, end, { tellPeer: true, local: "party" }));
	}
	if (reply.ok) return ok({ ...call, delivered: call.delivered || (reply.devices ?? 0) > 0 });
	const end: CallEnd =
		reply.reason === "busy"
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

/** A signal from the other party's hub. Returns the transition (never a refusal) and the reply to send back. */
export function onPeerSignal(
	current: CallRecord | null,
	signal: Exclude<PeerSignal, { kind: "offer" }>,
	now: number,
): { transition: Transition | null; reply: PeerReply } {
	if (!current || current.id !== signal.callId)
		return { transition: null, reply: { ok: false, reason: "no_call" } };
	const call = current;
	if (call.state === "ended") {
		return {
			transition: null,
			reply: { ok: false, reason: "ended", ...(call.end ? { end: call.end } : {}) },
		};
	}
	const toParty = call.role === "caller" || call.state === "answered";
	const local = call.socketId && toParty ? { socket: call.socketId } : ({ all: true } as const);
	switch (signal.kind) {
		case "probe":
			return { transition: null, reply: { ok: true } };
		case "ringing":
			return { transition: ok({ ...call, delivered: true }), reply: { ok: true } };
		case "ack": {
			if (call.role !== "caller" || call.state !== "ringing")
				return { transition: null, reply: { ok: true } };
			const next = { ...call, delivered: true, ackedAt: call.ackedAt ?? now };
			return {
				transition: ok(next, [{ kind: "send", to: local, frame: { type: "call.ack", call_id: call.id } }]),
				reply: { ok: true },
			};
		}
		case "answer": {
			if (call.role !== "caller" || call.state !== "ringing")
				return { transition: null, reply: { ok: false, reason: "ended" } };
			const next: CallRecord = {
				...call,
				state: "answered",
				delivered: true,
				answeredAt: now,
				nextCheckAt: now + CALL_TIMING.PROBE_MS,
			};
			return {
				transition: ok(next, [
					{ kind: "send", to: local, frame: { type: "call.answer", call_id: call.id, sdp: signal.sdp } },
				]),
				reply: { ok: true },
			};
		}
		case "ice": {
			const frame = { type: "call.ice", call_id: call.id, candidate: signal.candidate } as const;
			const buffered =
				call.role === "callee" && call.state === "ringing"
					? {
							...call,
							pendingIce: [...(call.pendingIce ?? []), signal.candidate].slice(-CALL_TIMING.PENDING_ICE_MAX),
						}
					: call;
			return { transition: ok(buffered, [{ kind: "send", to: local, frame }]), reply: { ok: true } };
		}
		case "bye": {
			const end: CallEnd = { code: signal.code, reason: signal.reason, endedBy: signal.endedBy };
			return {
				transition: ok(
					ended(call, end, now),
					endEffects(call, end, { tellPeer: false, local: localAudience(call) }),
				),
				reply: { ok: true },
			};
		}
	}
}

/** One of this hub's sockets closed. A party's socket dropping ends the call with 500 for the other side at once. */
export function onSocketClosed(current: CallRecord | null, socketId: string, now: number): Transition | null {
	if (!isActive(current) || current.socketId !== socketId) return null;
	const end: CallEnd = { code: SIP.SERVER_ERROR, reason: "dropped", endedBy: current.role };
	return ok(ended(current, end, now), endEffects(current, end, { tellPeer: true, local: "party" }));
}

/**
 * The hub's alarm reached `nextCheckAt`. Ringing past the deadline ends the
 * call (480 if a device rang, 408 if none was reachable); the callee's hub
 * waits a grace period first because the caller's hub is the one that decides.
 * Answered calls return `probe` so the hub checks sockets and the other hub.
 */
export function onTimer(call: CallRecord, now: number): Transition | "probe" | "forget" | null {
	if (now < call.nextCheckAt) return null;
	if (call.state === "ended") return "forget";
	if (call.state === "answered") return "probe";
	const deadline = call.ringUntil + (call.role === "callee" ? CALL_TIMING.CALLEE_GRACE_MS : 0);
	if (now < deadline) return ok({ ...call, nextCheckAt: deadline });
	const end: CallEnd = call.delivered
		? { code: SIP.TEMPORARILY_UNAVAILABLE, reason: "no_answer", endedBy: "system" }
		: { code: SIP.REQUEST_TIMEOUT, reason: "unreachable", endedBy: "system" };
	return ok(ended(call, end, now), endEffects(call, end, { tellPeer: true, local: localAudience(call) }));
}

/** Liveness check result for an answered call: `alive` reschedules, otherwise the call ends with 500. */
export function afterProbe(call: CallRecord, alive: boolean, now: number): Transition {
	if (call.state !== "answered") return ok(call);
	if (alive) return ok({ ...call, nextCheckAt: now + CALL_TIMING.PROBE_MS });
	const end: CallEnd = { code: SIP.SERVER_ERROR, reason: "lost", endedBy: "system" };
	return ok(ended(call, end, now), endEffects(call, end, { tellPeer: true, local: "party" }));
}

/**
 * Callee side: the caller's hub refused our answer because the call ended
 * meanwhile. Every device hears it: the others were never told "answered
 * elsewhere", since the answer had not been accepted yet.
 */
export function answerRefused(call: CallRecord, end: CallEnd | undefined, now: number): Transition {
	if (call.state === "ended") return ok(call);
	const why = end ?? { code: SIP.REQUEST_TERMINATED, reason: "cancelled", endedBy: "caller" as const };
	return ok(ended(call, why, now), endEffects(call, why, { tellPeer: false, local: "all" }));
}

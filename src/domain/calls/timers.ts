import { endEffects, ended, isActive, localAudience, ok } from "./ending";
import { CALL_TIMING, type CallEnd, type CallRecord, SIP, type Transition } from "./types";

/** The transitions that come from outside the conversation: drops, timers, liveness probes, lost races. */

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

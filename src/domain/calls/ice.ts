import type { IceCandidate } from "@hatch/contract/call-frames";
import { CALL_TIMING, type CallRecord, type Effect } from "./types";

/**
 * Keeping ICE candidates in an order WebRTC accepts. The two hubs talk by
 * separate RPCs, which may overtake each other, and a browser refuses a
 * candidate for a description it does not have yet. So the caller's hub
 * holds the caller's candidates until the callee's hub is known to hold the
 * offer, and holds the callee's candidates until the caller has the answer;
 * the callee's hub keeps the caller's candidates for devices that connect
 * while it rings. Every buffer is bounded.
 */

const bounded = (list: IceCandidate[] | undefined, c: IceCandidate) =>
	[...(list ?? []), c].slice(-CALL_TIMING.PENDING_ICE_MAX);

/** Caller: a candidate of ours waits until the callee's hub has the offer. */
export function holdOutbound(call: CallRecord, c: IceCandidate): CallRecord {
	return { ...call, heldOut: bounded(call.heldOut, c) };
}

/** Caller: the callee's hub has the offer (it replied or signalled), so our held candidates can go. */
export function releaseOutbound(call: CallRecord): { call: CallRecord; effects: Effect[] } {
	if (call.role !== "caller" || call.offerAccepted !== false) return { call, effects: [] };
	const effects: Effect[] = (call.heldOut ?? []).map((candidate) => ({
		kind: "peer",
		signal: { kind: "ice", callId: call.id, candidate },
	}));
	return { call: { ...call, offerAccepted: true, heldOut: [] }, effects };
}

/** Caller: a callee candidate that arrived before the answer waits for it. */
export function holdInbound(call: CallRecord, c: IceCandidate): CallRecord {
	return { ...call, heldIn: bounded(call.heldIn, c) };
}

/** Caller: after sending the answer to our socket, the callee candidates that were waiting. */
export function releaseInbound(call: CallRecord): { call: CallRecord; effects: Effect[] } {
	if (!call.socketId || !call.heldIn?.length) return { call, effects: [] };
	const to = { socket: call.socketId };
	const effects: Effect[] = call.heldIn.map((candidate) => ({
		kind: "send",
		to,
		frame: { type: "call.ice", call_id: call.id, candidate },
	}));
	return { call: { ...call, heldIn: [] }, effects };
}

/** Callee: the caller's candidates are also kept for devices that connect while it rings. */
export function keepForLateDevices(call: CallRecord, c: IceCandidate): CallRecord {
	return { ...call, pendingIce: bounded(call.pendingIce, c) };
}

import { CALL_TIMING, type CallEnd, type CallRecord, type Effect, type Transition } from "./types";

/** Small pieces every transition uses: results, and what ending a call does on one side. */

export const refuse = (code: number, reason: string, message: string): Transition => ({
	ok: false,
	error: { code, reason, message },
});
export const ok = (call: CallRecord, effects: Effect[] = []): Transition => ({ ok: true, call, effects });
export const isActive = (c: CallRecord | null): c is CallRecord => !!c && c.state !== "ended";

export function ended(call: CallRecord, end: CallEnd, now: number): CallRecord {
	return { ...call, state: "ended", end, endedAt: now, nextCheckAt: now + CALL_TIMING.KEEP_ENDED_MS };
}

/** The bye frame a hub's own devices get, and the effects that end the call on this side. */
export function endEffects(
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
export const localAudience = (call: CallRecord): "party" | "all" =>
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

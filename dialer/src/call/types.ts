/**
 * The wire shapes shared with the Worker: call states and events. Declared once
 * here; the control API and the callback sender both use them.
 */

/** Event types, in the order a call can produce them. */
export const EVENT_TYPES = [
	"trying",
	"ringing",
	"early_media",
	"answered",
	"completed",
	"busy",
	"no_answer",
	"failed",
	"canceled",
	"dtmf",
] as const;

/** One event type. */
export type CallEventType = (typeof EVENT_TYPES)[number];

/** Outcomes that end a call. */
export type FinalState = "completed" | "busy" | "no_answer" | "failed" | "canceled";

/** A call's state: the last non-DTMF event type. */
export type CallState = "trying" | "ringing" | "early_media" | "answered" | FinalState;

/** An event as delivered to the callback URL and the /events WebSocket. */
export interface CallEvent {
	call_id: string;
	seq: number;
	type: CallEventType;
	at: string;
	sip_code?: number;
	reason?: string;
	ring_ms?: number;
	talk_ms?: number;
	billed_s?: number;
	digit?: string;
	/** On an answered call's final event, when detection was asked for: what the far end was. */
	amd?: "human" | "machine" | "unknown";
	/** When detection decided, in ms after the answer (or the call's end, if it never did). */
	amd_ms?: number;
}

/** GET /calls/:id body. */
export interface CallView {
	call_id: string;
	state: CallState;
	to: string;
	created_at: string;
	answered_at?: string;
	ended_at?: string;
	sip_code?: number;
	reason?: string;
	/** RTP packets sent, received and skipped (late after a stall), once answered. */
	rtp?: { sent: number; received: number; skipped: number };
	events: CallEvent[];
}

/** Final states are terminal. */
export function isFinal(state: CallState): state is FinalState {
	return (
		state === "completed" ||
		state === "busy" ||
		state === "no_answer" ||
		state === "failed" ||
		state === "canceled"
	);
}

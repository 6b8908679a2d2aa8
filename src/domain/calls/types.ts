import type { CallEvent, CallParty, IceCandidate, TurnServerInfo } from "@hatch/contract/call-frames";
import type { Result } from "../../lib/result";

/**
 * One user's view of a call, kept in that user's UserHub storage. The caller's
 * hub and the callee's hub each hold one and keep them in step by sending
 * each other {@link PeerSignal}s; the caller's hub owns the ring timer and
 * writes the history row.
 */
export type CallRecord = {
	id: string;
	role: "caller" | "callee";
	callerId: string;
	calleeId: string;
	state: CallState;
	/** Caller: the socket that sent the offer. Callee: the socket that answered (null while ringing). */
	socketId: string | null;
	startedAt: number;
	ringUntil: number;
	/** Some callee device got the offer (decides 480 no answer vs 408 unreachable). */
	delivered: boolean;
	ackedAt: number | null;
	answeredAt: number | null;
	endedAt: number | null;
	end: CallEnd | null;
	/** Callee only: what late-connecting devices need to ring (`turn`: the callee's own lease, never the caller's). */
	incoming?: { caller: { id: string; display_name: string }; sdp: string; turn: TurnServerInfo | null };
	/** Callee only: caller candidates that arrived while ringing, replayed to devices that connect later. */
	pendingIce?: IceCandidate[];
	/** Caller only: false until the callee's hub is known to hold the offer (see ice.ts). */
	offerAccepted?: boolean;
	/** Caller only: our candidates waiting for `offerAccepted`, and the callee's waiting for the answer. */
	heldOut?: IceCandidate[];
	heldIn?: IceCandidate[];
	/** Next time the hub must look at this call (ring timeout, liveness probe, cleanup). */
	nextCheckAt: number;
};

export type CallState = "ringing" | "answered" | "ended";
export type CallEnd = { code: number; reason: string; endedBy: CallParty };

/** Hub → hub messages (UserHub RPC `callSignal`). */
export type PeerSignal =
	| {
			kind: "offer";
			callId: string;
			callerId: string;
			calleeId: string;
			caller: { id: string; display_name: string };
			sdp: string;
			ringUntil: number;
	  }
	| { kind: "ringing"; callId: string }
	| { kind: "ack"; callId: string }
	| { kind: "answer"; callId: string; sdp: string }
	| { kind: "ice"; callId: string; candidate: IceCandidate }
	| { kind: "bye"; callId: string; code: number; reason: string; endedBy: CallParty }
	| { kind: "probe"; callId: string };

/**
 * A hub's answer to a PeerSignal, in the one Result convention (src/lib/result.ts):
 * `devices` that rang for an offer; refused 486 BUSY, 404 NO_CALL, or 410
 * CALL_ENDED with how it ended when known.
 */
export type PeerReply = Result<{ devices?: number }, { end?: CallEnd }>;

/** Who receives a frame on this hub: one socket, or every socket of the user except one. */
export type Target = { socket: string } | { all: true; except?: string };

/** What the hub must do after a transition, in order. */
export type Effect =
	| { kind: "send"; to: Target; frame: CallEvent }
	| { kind: "peer"; signal: PeerSignal }
	| { kind: "push" }
	| { kind: "history" };

/** A refused frame: HTTP-like code plus stable reason, as in the protocol's error frame. */
export type CallRefusal = { code: number; reason: string; message: string };

export type Transition =
	| { ok: true; call: CallRecord; effects: Effect[] }
	| { ok: false; error: CallRefusal };

export const CALL_TIMING = {
	/** How long every callee device rings (WhatsApp ~45 s, Signal 60 s). */
	RING_MS: 45_000,
	/** The callee's hub waits this much past the ring deadline for the caller's bye before ending by itself. */
	CALLEE_GRACE_MS: 15_000,
	/** While answered, each hub checks its own party's socket and asks the other hub whether the call is alive. */
	PROBE_MS: 30_000,
	/** An ended call is kept this long so late frames get "ended" rather than "no such call". */
	KEEP_ENDED_MS: 60_000,
	/** Caller candidates buffered for devices that connect while ringing. */
	PENDING_ICE_MAX: 64,
} as const;

/** SIP codes (RFC 3261 §21) with the reasons Hatch reports. */
export const SIP = {
	OK: 200,
	NOT_FOUND: 404,
	REQUEST_TIMEOUT: 408,
	TEMPORARILY_UNAVAILABLE: 480,
	BUSY_HERE: 486,
	REQUEST_TERMINATED: 487,
	SERVER_ERROR: 500,
	DECLINE: 603,
} as const;

/**
 * The Worker's view of the dialer service (dialer/): place, cancel and look
 * up calls. Two implementations sit behind it (a Cloudflare Container in
 * production, a local process at DIALER_URL in development and tests) and
 * nothing outside src/domain/dialer/ knows which one is in use.
 */

import { EVENT_TYPES } from "../../../dialer/src/call/types.ts";

export type Codec = "PCMU" | "PCMA";

/** The trunk as the dialer wants it (password already decrypted, in memory only). */
export type DialTrunk = {
	host: string;
	port?: number;
	transport?: "udp" | "tcp" | "tls";
	username?: string;
	password?: string;
	auth_username?: string;
	from_user?: string;
	caller_id?: string;
	domain?: string;
	codecs?: Codec[];
};

/** Answering-machine detection of one call: what a machine gets. */
export type DialAmd = {
	on_machine: "hangup" | "play" | "play_other";
	machine_audio?: { url: string };
};

/** Body of `POST /calls`. */
export type DialRequest = {
	call_id: string;
	to: string;
	trunk: DialTrunk;
	audio: { url: string } | { inline: string };
	ring_timeout_s?: number;
	max_duration_s?: number;
	callback_url?: string;
	amd?: DialAmd;
};

/** What placing a call came to. `transient` failures may be retried with the same call_id. */
export type DialResult =
	| { ok: true; state: string }
	| {
			ok: false;
			code: "CALL_EXISTS" | "AT_CAPACITY" | "TRANSIENT" | "REJECTED";
			status: number;
			message: string;
	  };

/** One event the dialer reports about a call (POSTed to the callback URL). */
export type DialerEvent = {
	call_id: string;
	seq: number;
	type: DialerEventType;
	at: string;
	sip_code?: number;
	reason?: string;
	ring_ms?: number;
	talk_ms?: number;
	billed_s?: number;
	digit?: string;
	/** On an answered call's final event when detection was on: what the far end was, and when (ms after the answer). */
	amd?: "human" | "machine" | "unknown";
	amd_ms?: number;
};

// Declared once, by the dialer that emits them.
export const DIALER_EVENT_TYPES = EVENT_TYPES;
export type DialerEventType = (typeof DIALER_EVENT_TYPES)[number];

export const TERMINAL_EVENT_TYPES = ["completed", "busy", "no_answer", "failed", "canceled"] as const;
export type Outcome = (typeof TERMINAL_EVENT_TYPES)[number];

/** @example const r = await dialer.createCall({ call_id, to, trunk, audio: { url } }); */
export interface Dialer {
	createCall(req: DialRequest): Promise<DialResult>;
	cancelCall(callId: string): Promise<void>;
	getCall(callId: string): Promise<Record<string, unknown> | null>;
	health(): Promise<{ ok: boolean; active_calls: number; capacity: number }>;
}

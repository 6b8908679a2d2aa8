/**
 * The Worker's view of the dialer service (dialer/): place, cancel and look
 * up calls. Two implementations sit behind it (a Cloudflare Container in
 * production, a local process at DIALER_URL in development and tests) and
 * nothing outside src/domain/dialer/ knows which one is in use. The wire
 * shapes are the contract's (`@hatch/contract/dialer`), shared with the dialer.
 */
import type { CallRequest, CallView, DialerHealth } from "@hatch/contract/dialer";

export type {
	Codec,
	DialAmd,
	DialerEvent,
	DialerEventType,
	DialTrunk,
	Outcome,
} from "@hatch/contract/dialer";
export { DIALER_EVENT_TYPES, TERMINAL_EVENT_TYPES } from "@hatch/contract/dialer";

/**
 * What the Worker asks for: `POST /calls` without `host_deny`, which the
 * transport adds from SIP_HOST_DENY on every request (see HttpDialer).
 */
export type DialRequest = Omit<CallRequest, "host_deny">;

/** What placing a call came to. `transient` failures may be retried with the same call_id. */
export type DialResult =
	| { ok: true; state: string }
	| {
			ok: false;
			code: "CALL_EXISTS" | "AT_CAPACITY" | "TRANSIENT" | "REJECTED";
			status: number;
			message: string;
	  };

/** @example const r = await dialer.createCall({ call_id, to, trunk, audio: { url } }); */
export interface Dialer {
	createCall(req: DialRequest): Promise<DialResult>;
	cancelCall(callId: string): Promise<void>;
	getCall(callId: string): Promise<CallView | null>;
	health(): Promise<DialerHealth>;
}

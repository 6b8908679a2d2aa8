/**
 * What a UAC call is given (the trunk) and what it reports to its owner.
 */
import type { TransportName } from "./transport.ts";

/** The gateway to call through and how to authenticate. */
export interface Trunk {
	/** A DNS name or an IP literal; destination.ts resolves and judges it before anything is sent. */
	host: string;
	port: number;
	transport: TransportName;
	username?: string;
	password?: string;
	authUsername?: string;
	fromUser?: string;
	callerId?: string;
	domain?: string;
	/**
	 * The deny list (SIP_HOST_DENY syntax) every address this call sends to is
	 * judged by: the trunk's and each next hop's. Absent: the production list.
	 */
	deny?: string;
}

/**
 * Holds the first INVITE for its slot under the campaign's rate (call/dial-pacer.ts):
 * calls `send` when the INVITE may go, at once or later, and returns a cancel
 * that drops it while it still waits.
 */
export type Pace = (send: () => void) => () => void;

/** What the owner of a call hears from its signalling. */
export interface UacEvents {
	provisional(status: number, reason: string, sdp: string | undefined): void;
	answered(sdp: string): void;
	/**
	 * A final failure, or 0 with a reason for timeouts and transport errors.
	 * `unreachable`: nothing at all ever came back from the far end.
	 */
	failed(status: number, reason: string, unreachable: boolean): void;
	remoteBye(): void;
	/** The far end re-offered (re-INVITE); return our SDP for the 200. */
	reoffer(sdp: string): string;
}

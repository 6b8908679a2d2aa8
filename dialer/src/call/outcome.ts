/**
 * How a SIP final response becomes a call outcome (the contract with the
 * Worker's campaign engine). Pure so it is tested without sockets.
 */
import type { FinalState } from "./types.ts";

/** Why we ourselves stopped ringing, if we did. */
export type CancelCause = "ring_timeout" | "api" | "media_failure";

/**
 * Map a failure to an outcome: our own DELETE canceled; a gateway that never
 * answered anything (`unreachable`: timer B or a transport error) failed, even
 * when our ring timeout passed while its INVITE was still retransmitted;
 * 486/600 busy; 408/480 or our ring timeout no_answer; everything else (a
 * media failure too) failed.
 * @example outcomeFor(0, "ring_timeout", true) // "failed": the gateway never answered, nobody rang
 */
export function outcomeFor(status: number, cancel: CancelCause | undefined, unreachable = false): FinalState {
	if (cancel === "api") return "canceled";
	if (unreachable) return "failed";
	if (cancel === "ring_timeout") return "no_answer";
	if (status === 486 || status === 600) return "busy";
	if (status === 408 || status === 480) return "no_answer";
	return "failed";
}

/**
 * The reason reported with that outcome: ours when we stopped ringing
 * (`ring timeout`, `media failure`), else the signalling's. An unreachable
 * gateway keeps its own reason over our ring timeout, which it made moot.
 * @example reasonFor("no response from gateway (timer B)", "ring_timeout", true) // the gateway's reason
 */
export function reasonFor(reason: string, cancel: CancelCause | undefined, unreachable = false): string {
	if (cancel === "media_failure") return "media failure";
	if (cancel === "ring_timeout" && !unreachable) return "ring timeout";
	return reason;
}

/**
 * How a SIP final response becomes a call outcome (the contract with the
 * Worker's campaign engine). Pure so it is tested without sockets.
 */
import type { FinalState } from "./types.ts";

/** Why we ourselves stopped ringing, if we did. */
export type CancelCause = "ring_timeout" | "api" | "media_failure";

/**
 * Map a failure to an outcome: 486/600 busy, 408/480 or our ring timeout
 * no_answer, our own DELETE canceled, everything else (a media failure too) failed.
 */
export function outcomeFor(status: number, cancel: CancelCause | undefined): FinalState {
	if (cancel === "api") return "canceled";
	if (cancel === "ring_timeout") return "no_answer";
	if (status === 486 || status === 600) return "busy";
	if (status === 408 || status === 480) return "no_answer";
	return "failed";
}

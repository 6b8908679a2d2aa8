/**
 * Call states and events under the dialer's own names. The shapes are the
 * Worker ↔ dialer contract's (`@hatch/contract/dialer`), declared once there.
 */
import {
	type CallState,
	type DialerEvent,
	type DialerEventType,
	isTerminal,
	type Outcome,
} from "@hatch/contract/dialer";

export type { CallState, CallView } from "@hatch/contract/dialer";

/** One event type. */
export type CallEventType = DialerEventType;

/** Outcomes that end a call. */
export type FinalState = Outcome;

/** An event as delivered to the callback URL and the /events WebSocket. */
export type CallEvent = DialerEvent;

/** Final states are terminal. */
export function isFinal(state: CallState): state is FinalState {
	return isTerminal(state);
}

import { z } from "zod";
import { publicReason } from "./dialer-reason.ts";

/**
 * What the dialer reports about its calls, declared once: each event is POSTed
 * to the call's `callback_url` (alone or in a batch of up to
 * {@link DIALER_EVENT_BATCH_MAX}) and sent to every `/events` WebSocket client
 * with its `event_id`. Receivers drop duplicates by `(call_id, seq)`.
 *
 * Adding a field: add it here as optional. Objects are not strict, so a
 * receiver that does not know a field yet drops it instead of refusing the
 * event (which the dialer would retry for ten minutes).
 */

/** Event types, in the order a call can produce them. */
export const DIALER_EVENT_TYPES = [
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
export type DialerEventType = (typeof DIALER_EVENT_TYPES)[number];

/** The types that end a call: exactly one per call, always its last event. */
export const TERMINAL_EVENT_TYPES = ["completed", "busy", "no_answer", "failed", "canceled"] as const;
export type Outcome = (typeof TERMINAL_EVENT_TYPES)[number];

/** True for the event types that end a call. */
export function isTerminal(type: string): type is Outcome {
	return (TERMINAL_EVENT_TYPES as readonly string[]).includes(type);
}

/** Free text is clipped, never refused: a refusal would be retried for an event that can never pass. */
const clipped = (max: number) => z.string().overwrite((s) => s.slice(0, max));
const ms = z.number().int().min(0);

/** One event of one call. Times are the dialer's own clock. */
export const DialerEvent = z
	.object({
		call_id: z.string().min(1).max(128),
		/** 1, 2, 3… per call, in the order they happened. */
		seq: z.number().int().min(1),
		type: z.enum(DIALER_EVENT_TYPES),
		/** When it happened, ISO 8601 on the dialer's clock: `trying` is when the INVITE went out. */
		at: z.string().max(40),
		/** The SIP status behind the event; 0 when the gateway never answered (timer B, unreachable). */
		sip_code: z.number().int().min(0).max(699).optional(),
		/** A fixed phrase (`audio finished`, `gateway unreachable`, …) or the gateway's reason phrase; never a socket error's text. */
		reason: clipped(500).overwrite(publicReason).optional(),
		/** INVITE to answer (or to the end, unanswered): only on calls that rang (a provisional response other than 100 arrived). */
		ring_ms: ms.optional(),
		/** Answer to hang-up, on `completed` of an answered call. */
		talk_ms: ms.optional(),
		billed_s: ms.optional(),
		/** The digit of a `dtmf` event. */
		digit: clipped(2).optional(),
		/** On an answered call's final event when `amd` was asked for: what the far end was. */
		amd: z.enum(["human", "machine", "unknown"]).optional(),
		/** When detection decided, ms after the answer (the call's end when it never did). */
		amd_ms: ms.optional(),
	})
	.meta({ id: "DialerEvent" });
/** An event as the dialer builds it. */
export type DialerEvent = z.input<typeof DialerEvent>;

/** Events per callback POST at most. */
export const DIALER_EVENT_BATCH_MAX = 500;

/** `POST {callback_url}`: one event, or a batch of them in `seq` order per call. */
export const DialerEventsBody = z
	.union([DialerEvent, z.array(DialerEvent).min(1).max(DIALER_EVENT_BATCH_MAX)])
	.meta({ id: "DialerEventsBody" });
export type DialerEventsBody = z.input<typeof DialerEventsBody>;

/** The receiver's answer: how many were new, how many it had already. */
export const DialerEventsAck = z
	.object({ accepted: z.number().int(), duplicates: z.number().int() })
	.meta({ id: "DialerEventsAck" });
export type DialerEventsAck = z.infer<typeof DialerEventsAck>;

/** A frame of the `/events` WebSocket: the event and its dialer-wide `event_id` (1, 2, 3… per process). */
export const DialerEventFrame = DialerEvent.extend({ event_id: z.number().int().min(1) }).meta({
	id: "DialerEventFrame",
});
export type DialerEventFrame = z.input<typeof DialerEventFrame>;

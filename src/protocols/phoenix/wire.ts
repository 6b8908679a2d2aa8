import { z } from "zod";

/**
 * Phoenix Channels, serializer v2 (the `phoenix` JS client's default with
 * `vsn=2.0.0`): every text frame is `[join_ref, ref, topic, event, payload]`.
 * Replies are `phx_reply` with `{status: "ok"|"error", response}` and the
 * request's refs; pushes from a channel carry its join_ref and a null ref.
 */
export const PhxFrame = z.tuple([
	z.string().max(64).nullable(),
	z.string().max(64).nullable(),
	z.string().min(1).max(200),
	z.string().min(1).max(64),
	z.record(z.string(), z.unknown()),
]);
export type PhxFrame = z.infer<typeof PhxFrame>;

/** The topic the socket itself answers on (heartbeat). */
export const SOCKET_TOPIC = "phoenix";

/** Decodes one inbound text frame; null when it is not a v2 frame. */
export function decodePhx(raw: string | ArrayBuffer): PhxFrame | null {
	if (typeof raw !== "string") return null;
	try {
		const parsed = PhxFrame.safeParse(JSON.parse(raw));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

/** A reply to `frame`. @example reply(frame, "error", { reason: "unauthorized" }) */
export function reply(
	frame: PhxFrame,
	status: "ok" | "error",
	response: Record<string, unknown> = {},
): string {
	return JSON.stringify([frame[0], frame[1], frame[2], "phx_reply", { status, response }]);
}

/** A server push on a joined topic. @example push(joinRef, "conversation:1", "message:new", item) */
export function push(
	joinRef: string | null,
	topic: string,
	event: string,
	payload: Record<string, unknown>,
): string {
	return JSON.stringify([joinRef, null, topic, event, payload]);
}

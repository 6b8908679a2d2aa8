import type { CallClientFrame, CallEvent } from "@hatch/contract/call-frames";
import type { ClientFrame, EventsFrame, HubEvent } from "@hatch/contract/frames";

/** Every event a socket hands to listeners: `events` frames are unpacked first, so they never appear. */
export type ServerEvent = Exclude<HubEvent, EventsFrame> | CallEvent;
export type ServerEventType = ServerEvent["type"];
export type EventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

/** A request as the caller writes it: any client frame without its `id`, which the socket assigns. */
type WithoutId<F> = F extends unknown ? Omit<F, "id"> : never;
export type OutgoingRequest = WithoutId<z_input<ClientFrame>> | WithoutId<CallClientFrame>;
// Defaults (chat.create and room.create members, call.bye code) are filled in by the server, so they are optional here.
type z_input<F> = F extends { type: "chat.create" | "room.create" }
	? Omit<F, "members"> & { members?: string[] }
	: F;

/** Connection state, in the order a socket normally goes through them. */
export type SocketState = "connecting" | "open" | "reconnecting" | "closed";

/**
 * Requests that are safe to send again after a drop: the server gives the
 * same outcome twice (message.send by its client_id, reads, watermarks).
 * Anything else in flight at a drop is rejected with DISCONNECTED.
 */
export const RETRYABLE: ReadonlySet<string> = new Set([
	"ping",
	"message.send",
	"message.edit",
	"message.delete",
	"message.read",
	"message.history",
	"chat.list",
	"chat.info",
	"presence.get",
	"call.lock_turn",
	"device.register",
	"device.unregister",
	"room.list",
	"room.info",
	"room.tree",
	"room.send",
]);

import { z } from "zod";
import type { CampaignProgressEvent } from "./campaign-events.ts";
import { LIMITS } from "./limits.ts";
import { ShortName } from "./names.ts";
import { ROOM_LIMITS, type RoomEvent, RoomId, RoomName } from "./rooms.ts";

/**
 * The native WebSocket protocol, declared once. Every frame is `{type, ...}`.
 * Client requests carry an `id` chosen by the client and get exactly one
 * reply with the same `id`: `result` or `error` (`code` is HTTP-like, `reason`
 * a stable UPPER_SNAKE string). Events carry `chat_id` and `seq` where they
 * concern a chat. Frames whose `type` starts with `call.` are declared in
 * ./call-frames.ts and handled by src/domain/calls/signalling.ts.
 */

const RequestId = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]);
const ChatId = z.string().min(1).max(64);
const Seq = z.number().int().positive();
export const MessageText = z.string().trim().min(1).max(LIMITS.TEXT_MAX);
export const ChatName = ShortName(LIMITS.CHAT_NAME_MAX);
const UserRef = z.string().trim().min(1).max(64);

/** What a client sends to post a message; the same shape is the REST body (plus chat_id here). */
export const SendMessageInput = z.object({
	/** Client-generated id; a retry with the same one returns the original message. */
	client_id: z.string().min(1).max(64),
	text: MessageText,
	reply_to: Seq.optional(),
	attachments: z.array(z.string().min(1).max(64)).max(LIMITS.ATTACHMENTS_MAX).optional(),
});
export type SendMessageInput = z.infer<typeof SendMessageInput>;

const DeviceId = z.string().min(1).max(64);
/** One recipient device's ciphertext in a message group (opaque to the server). */
export const E2eCopy = z.object({
	user_id: z.string().min(1).max(64),
	device_id: DeviceId,
	ciphertext: z.string().min(1).max(LIMITS.E2E_CIPHERTEXT_MAX),
});
/** A message group: one ciphertext per device of every member, except the sending device. */
export const E2eGroupInput = z.object({
	/** The sending device (its copies are addressed to the sender's other devices). */
	device_id: DeviceId,
	copies: z.array(E2eCopy).min(1).max(LIMITS.E2E_COPIES_MAX),
});
export type E2eGroupInput = z.infer<typeof E2eGroupInput>;
/** What a client sends to post to an e2e chat; idempotent on `client_id` as plain sends are. */
export const SendE2eInput = E2eGroupInput.extend({
	client_id: z.string().min(1).max(64),
	reply_to: Seq.optional(),
});
export type SendE2eInput = z.infer<typeof SendE2eInput>;

const req = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
	z.object({ type: z.literal(type), id: RequestId, ...shape }).strict();

/** Client → server requests. */
export const ClientFrame = z.discriminatedUnion("type", [
	req("ping", {}),
	req("chat.subscribe", { chat_id: ChatId, after_seq: z.number().int().nonnegative().optional() }),
	req("chat.unsubscribe", { chat_id: ChatId }),
	req("chat.list", {}),
	req("chat.info", { chat_id: ChatId }),
	req("chat.create", {
		name: ChatName,
		members: z.array(UserRef).max(LIMITS.CREATE_MEMBERS_MAX).default([]),
	}),
	req("chat.direct", { user: UserRef }),
	req("chat.rename", { chat_id: ChatId, name: ChatName }),
	req("chat.leave", { chat_id: ChatId }),
	req("chat.delete", { chat_id: ChatId }),
	req("chat.invite", { chat_id: ChatId, user: UserRef }),
	req("chat.accept", { chat_id: ChatId }),
	req("chat.reject", { chat_id: ChatId }),
	req("chat.remove_member", { chat_id: ChatId, user_id: UserRef }),
	req("chat.mute", { chat_id: ChatId }),
	req("chat.unmute", { chat_id: ChatId }),
	req("chat.typing", { chat_id: ChatId }),
	req("message.send", { chat_id: ChatId, ...SendMessageInput.shape }),
	req("message.edit", { chat_id: ChatId, seq: Seq, text: MessageText }),
	/** E2e chats: a message group (README "End-to-end encrypted chats"); large groups go over REST (FRAME_MAX_BYTES). */
	req("message.send_e2e", { chat_id: ChatId, ...SendE2eInput.shape }),
	req("message.edit_e2e", { chat_id: ChatId, seq: Seq, ...E2eGroupInput.shape }),
	req("message.delete", { chat_id: ChatId, seq: Seq }),
	req("message.history", {
		chat_id: ChatId,
		page_token: z.string().max(64).optional(),
		page_size: z.number().int().min(1).max(LIMITS.PAGE_SIZE_MAX).optional(),
		after_seq: z.number().int().nonnegative().optional(),
	}),
	req("message.read", { chat_id: ChatId, seq: Seq }),
	req("presence.get", { user_id: UserRef }),
	req("device.register", {
		push_token: z.string().min(1).max(4096),
		/** `type` in the Egg seed; renamed because `type` is the frame discriminator here. */
		device_type: z.enum(["webpush", "fcm"]),
		device_id: z.string().min(1).max(128),
	}),
	req("device.unregister", { device_id: z.string().min(1).max(128) }),
	// ── rooms (README "Rooms"): the same operations as /v1/rooms, with the same results.
	req("room.create", {
		name: RoomName,
		parent_id: RoomId.optional(),
		members: z.array(UserRef).max(ROOM_LIMITS.CREATE_MEMBERS_MAX).default([]),
	}),
	req("room.list", {
		page_token: z.string().max(200).optional(),
		page_size: z.number().int().min(1).max(200).optional(),
	}),
	req("room.info", { room_id: RoomId }),
	req("room.tree", { room_id: RoomId }),
	req("room.rename", { room_id: RoomId, name: RoomName }),
	req("room.delete", { room_id: RoomId }),
	req("room.add_user", { room_id: RoomId, user: UserRef }),
	req("room.remove_user", { room_id: RoomId, user_id: UserRef }),
	req("room.add_subroom", { room_id: RoomId, subroom_id: RoomId }),
	req("room.enter", { room_id: RoomId }),
	req("room.send", { room_id: RoomId, ...SendMessageInput.shape }),
	// ── call.* frames: NOT declared here. decodeClientFrame() hands any frame whose
	// type starts with "call." to src/domain/calls/signalling.ts (issue 7), which
	// validates it against src/protocol/call-frames.ts. Keep this spot stable.
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type ClientFrameType = ClientFrame["type"];

/** An attachment as stored on a message; `deleted` once the file is gone. */
export const Attachment = z
	.object({
		file_id: z.string(),
		name: z.string(),
		size: z.number().int(),
		content_type: z.string(),
		deleted: z.boolean(),
	})
	.meta({ id: "Attachment" });

/** A message as every client sees it. Deleted messages keep their seq with empty text (a tombstone). */
export const Message = z
	.object({
		id: z.string(),
		chat_id: z.string(),
		seq: z.number().int(),
		sender_id: z.string(),
		client_id: z.string().nullable(),
		text: z.string(),
		reply_to: z.number().int().nullable(),
		attachments: z.array(Attachment),
		created_at: z.number().int().meta({ description: "Unix ms" }),
		edited_at: z.number().int().nullable(),
		deleted: z.boolean(),
		/** In an e2e chat: the reader's own copies of the message group (one per device of theirs), never anyone else's. */
		e2e: z
			.object({
				group_id: z.string(),
				sender_device_id: z.string(),
				copies: z.array(z.object({ device_id: z.string(), ciphertext: z.string() })),
			})
			.optional(),
	})
	.meta({ id: "Message" });
export type Message = z.infer<typeof Message>;

/** Per-recipient receipt watermarks: every seq ≤ delivered_seq is delivered, ≤ read_seq is read. */
export const Receipt = z
	.object({ user_id: z.string(), delivered_seq: z.number().int(), read_seq: z.number().int() })
	.meta({ id: "Receipt" });
export type Receipt = z.infer<typeof Receipt>;

export type ErrorFrame = {
	type: "error";
	id: string | number | null;
	/** HTTP-like status: 400 bad frame, 403 not allowed, 404 unknown, 429 too fast, 501 unsupported. */
	code: number;
	reason: string;
	message: string;
	retry_after_ms?: number;
};
export type ResultFrame = { type: "result"; id: string | number; result: unknown };

/** Server → client events this module emits. Other areas push their own `{type}` events via UserHub.pushEvent. */
export type ChatEvent =
	| { type: "message.new"; chat_id: string; seq: number; message: Message }
	| { type: "message.updated"; chat_id: string; seq: number; message: Message }
	| { type: "receipt"; chat_id: string; seq: number; receipts: Receipt[] }
	| { type: "typing"; chat_id: string; seq: number; user_id: string }
	| { type: "chat.updated"; chat_id: string; seq: number; change: string; user_id?: string };

/**
 * Several of one chat's events in one frame, in order: sent only to a socket
 * opened with `batch=1` (chat-viewing or hub), when a busy room has more than
 * one event for it at once (a quiet room still sends each event alone).
 */
export type EventsFrame = { type: "events"; chat_id: string; events: ChatEvent[] };

/**
 * A device key was published or replaced: sent to everyone sharing an e2e
 * chat with its owner (`chat_ids`: the chats shared with the receiver) and to
 * the owner's other devices, so clients warn and encrypt to the new key.
 */
export type E2eKeyChangedEvent = {
	type: "e2e.key_changed";
	user_id: string;
	device_id: string;
	fingerprint: string | null;
	chat_ids: string[];
};

export type HubEvent =
	| ChatEvent
	| EventsFrame
	| {
			type: "inbox";
			chat_id: string;
			seq: number;
			unread: number;
			last_message: { sender_id: string; text: string; created_at: number };
	  }
	| { type: "chat.invitation"; chat_id: string; seq: number; name: string | null; from: string }
	| {
			type: "chat.removed";
			chat_id: string;
			seq: number;
			reason: "left" | "removed" | "deleted" | "rejected";
	  }
	| { type: "presence"; user_id: string; online: boolean; last_seen: number | null }
	| E2eKeyChangedEvent
	| { type: "replay.done"; chat_id: string; seq: number; more: boolean }
	| CampaignProgressEvent
	| RoomEvent
	| { type: "hello"; user_id: string; socket_id: string; protocol: "json" | "msgpack"; batch?: boolean };

export type ServerFrame = ResultFrame | ErrorFrame | HubEvent;

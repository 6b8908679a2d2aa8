import { z } from "zod";
import { Msisdn } from "./msisdn";

/**
 * The Egg seed's "ws\chat protocol v1", declared once: client → server
 * frames `{msg_type, ...fields}` by their numbers and field names as the
 * seed's tables print them. Rooms (19–28), which the seed leaves as
 * %TODO, are declared with the fields README "Egg rooms" documents.
 */
const ChatId = z.string().min(1).max(64);
const MsgId = z.number().int().nonnegative();
const Text = z.string().trim().min(1).max(4000);
const Sdp = z.string().min(1).max(32_768);
const RoomId = z.string().min(1).max(64);
const RoomName = z.string().trim().min(1).max(100);
const m = <N extends number, S extends z.ZodRawShape>(n: N, shape: S) =>
	z.object({ msg_type: z.literal(n), ...shape });

export const EggC2S = z.discriminatedUnion("msg_type", [
	m(1, {}),
	m(2, { chat_id: ChatId }),
	m(3, { name: z.string().trim().min(1).max(128), users: z.array(Msisdn).max(100).default([]) }),
	m(4, { chat_id: ChatId }),
	m(5, { chat_id: ChatId }),
	m(6, { chat_id: ChatId, user_msisdn: Msisdn }),
	m(7, { chat_id: ChatId }),
	m(8, { chat_id: ChatId }),
	m(9, { chat_id: ChatId }),
	m(29, { chat_id: ChatId }),
	m(30, { chat_id: ChatId }),
	m(10, { chat_id: ChatId, msg_body: Text }),
	m(11, { chat_id: ChatId, msg_id: MsgId.default(0) }),
	m(12, { chat_id: ChatId, msg_id: MsgId, msg_body: Text }),
	m(13, { chat_id: ChatId, msg_id: MsgId }),
	m(14, {}),
	m(15, { user_msisdn: Msisdn }),
	m(16, { user_msisdn: Msisdn }),
	m(17, {
		user_msisdn: Msisdn,
		fname: z.string().trim().min(1).max(64).optional(),
		lname: z.string().trim().min(1).max(64).optional(),
		age: z.number().int().min(1).max(150).optional(),
		is_male: z.boolean().optional(),
	}),
	m(18, { fname: z.string().trim().max(64).default(""), lname: z.string().trim().max(64).default("") }),
	m(19, { room_id: RoomId, name: RoomName }),
	m(20, { room_id: RoomId, user_msisdn: Msisdn }),
	m(21, { room_id: RoomId, user_msisdn: Msisdn }),
	m(22, { room_id: RoomId, subroom_id: RoomId }),
	m(23, { name: RoomName, parent_room_id: RoomId.optional(), users: z.array(Msisdn).max(100).default([]) }),
	m(24, { room_id: RoomId }),
	m(25, { room_id: RoomId }),
	m(26, { room_id: RoomId, msg_body: Text }),
	m(27, { room_id: RoomId.optional() }),
	m(28, { room_id: RoomId }),
	m(34, { msisdn: Msisdn, sdp: Sdp }),
	m(35, {}),
	m(36, {
		candidate: z.union([z.string().max(1024), z.object({ candidate: z.string().max(1024) }).passthrough()]),
	}),
	m(37, { code: z.number().int().min(200).max(699).default(200) }),
	m(38, { sdp: Sdp }),
	m(39, {}),
	m(40, { msisdns: z.array(Msisdn).max(100) }),
	m(41, {
		push_token: z.string().min(1).max(4096),
		type: z.enum(["webpush", "fcm"]),
		device_id: z.string().min(1).max(128),
	}),
]);
export type EggC2S = z.infer<typeof EggC2S>;

/** Server → client message numbers. */
export const S2C = {
	chat_list: 101,
	chat_info: 102,
	chat_create_result: 103,
	error: 104,
	chat_invatation: 105,
	chat_typing: 106,
	message: 107,
	message_update: 108,
	message_update_status: 109,
	user_info: 110,
	user_status: 111,
	user_search_result: 112,
	room_list: 113,
	room_tree: 114,
	room_info: 115,
	room_create_result: 116,
	message_list: 117,
	message_send_result: 118,
	call_offer: 119,
	call_ack: 120,
	call_ice_candidate: 121,
	call_bye: 122,
	call_answer: 123,
	turn_server: 124,
	user_info_bulk: 125,
} as const;

export type EggS2C = { msg_type: number; [k: string]: unknown };

/** `s2c_error`: HTTP-like codes, as the seed says. */
export const eggError = (code: number): EggS2C => ({ msg_type: S2C.error, code });

/**
 * Validates one decoded client frame: an unknown `msg_type` is 404, a
 * known one with bad fields 400, each as s2c_error.
 */
export function parseEggFrame(value: unknown): { ok: true; frame: EggC2S } | { ok: false; error: EggS2C } {
	if (!value || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: eggError(400) };
	const r = EggC2S.safeParse(value);
	if (r.success) return { ok: true, frame: r.data };
	const unknownType = r.error.issues.some((i) => i.path.length === 1 && i.path[0] === "msg_type");
	return { ok: false, error: eggError(unknownType ? 404 : 400) };
}

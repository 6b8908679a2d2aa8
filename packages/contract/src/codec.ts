import { decode, encode } from "@msgpack/msgpack";
import type { z } from "zod";
import { CallClientFrame } from "./call-frames.ts";
import { ClientFrame, type ServerFrame } from "./frames.ts";
import { LIMITS } from "./limits.ts";
import { issueCode } from "./names.ts";

/** The two transports, chosen by `Sec-WebSocket-Protocol` as in the Egg seed. */
export type Transport = "json" | "msgpack";
export const TRANSPORTS: readonly Transport[] = ["json", "msgpack"];

/** Picks the first transport the client offered that we support, or null (→ 501 before the upgrade). */
export function pickTransport(header: string | null): Transport | null {
	if (!header) return null;
	for (const p of header.split(",")) {
		const t = p.trim().toLowerCase();
		if ((TRANSPORTS as readonly string[]).includes(t)) return t as Transport;
	}
	return null;
}

/** Serialises one outbound frame for the socket's transport (text for json, binary for msgpack). */
export function encodeFrame(frame: unknown, transport: Transport): string | ArrayBuffer {
	if (transport === "json") return JSON.stringify(frame);
	// encode() returns a view into a larger scratch buffer; sockets need exactly the frame's bytes.
	return encode(frame, { ignoreUndefined: true }).slice().buffer;
}

export type Decoded = { ok: true; frame: ClientFrame } | { ok: true; call: CallClientFrame } | FrameError;

/** A frame refused: with the request id when one could be read, an HTTP-like code and a stable reason. */
export type FrameError = {
	ok: false;
	id: string | number | null;
	code: number;
	reason: string;
	message: string;
};

/** The request types that name a chat (`chat_id`): on a chat-viewing socket it may be left out. */
const CHAT_SCOPED: ReadonlySet<string> = new Set(
	ClientFrame.options.filter((o) => "chat_id" in o.shape).map((o) => o.shape.type.value),
);

/** The request id of a decoded frame, whatever became of it (null when none could be read). */
export function decodedId(d: Decoded): string | number | null {
	if (!d.ok) return d.id;
	return "call" in d ? d.call.id : d.frame.id;
}

/**
 * Decodes and validates one inbound frame. Never throws: a bad frame becomes
 * an error description (with the request id when one could be read) so the
 * caller answers it, counts it as a bad frame and changes nothing. `call.*`
 * frames are validated against ./call-frames.ts and returned as `call` for
 * the calls handler. On a chat-viewing socket `impliedChatId` is its chat: a
 * request that names a chat but leaves `chat_id` out means that one.
 *
 * @example const d = decodeFrame(raw, "json", chatId); if (!d.ok) reply(d.id, d.code, d.reason);
 */
export function decodeFrame(
	raw: string | ArrayBuffer,
	transport: Transport,
	impliedChatId?: string,
): Decoded {
	const read = readFrame(raw, transport);
	if (!read.ok) return read;
	let obj = read.value;
	const id = typeof obj.id === "string" || typeof obj.id === "number" ? obj.id : null;
	if (typeof obj.type === "string" && obj.type.startsWith("call.")) {
		const call = CallClientFrame.safeParse(obj);
		return call.success ? { ok: true, call: call.data } : refusal(obj, id, call.error);
	}
	if (impliedChatId !== undefined && obj.chat_id === undefined && CHAT_SCOPED.has(String(obj.type)))
		obj = { ...obj, chat_id: impliedChatId };
	const parsed = ClientFrame.safeParse(obj);
	return parsed.success ? { ok: true, frame: parsed.data } : refusal(obj, id, parsed.error);
}

/**
 * The transport half of decoding, shared by every socket that speaks the
 * native frame rules (the hub, chat-viewing and support desk sockets): size
 * limit, json or msgpack, and "a frame is an object".
 */
export function readFrame(
	raw: string | ArrayBuffer,
	transport: Transport,
): { ok: true; value: Record<string, unknown> } | FrameError {
	const size = typeof raw === "string" ? raw.length : raw.byteLength;
	if (size > LIMITS.FRAME_MAX_BYTES) {
		return {
			ok: false,
			id: null,
			code: 413,
			reason: "FRAME_TOO_LARGE",
			message: `Frames are limited to ${LIMITS.FRAME_MAX_BYTES} bytes`,
		};
	}
	let value: unknown;
	try {
		if (transport === "json") {
			if (typeof raw !== "string") throw new Error("binary frame on a json socket");
			value = JSON.parse(raw);
		} else {
			if (typeof raw === "string") throw new Error("text frame on a msgpack socket");
			value = decode(new Uint8Array(raw));
		}
	} catch {
		return {
			ok: false,
			id: null,
			code: 400,
			reason: "UNDECODABLE",
			message: `Frame is not valid ${transport}`,
		};
	}
	if (!value || typeof value !== "object" || Array.isArray(value)) {
		return { ok: false, id: null, code: 400, reason: "INVALID_FRAME", message: "A frame must be an object" };
	}
	return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Validates a read frame against a union of requests (the support desk's own,
 * for one): an unknown `type` is 404 UNKNOWN_TYPE, anything else 400 (or 422
 * with the schema's own code), with the request id when one could be read.
 *
 * @example const r = validateFrame(SupportClientFrame, read.value);
 */
export function validateFrame<T>(
	schema: z.ZodType<T>,
	obj: Record<string, unknown>,
): { ok: true; frame: T } | FrameError {
	const id = typeof obj.id === "string" || typeof obj.id === "number" ? obj.id : null;
	const parsed = schema.safeParse(obj);
	return parsed.success ? { ok: true, frame: parsed.data } : refusal(obj, id, parsed.error);
}

/** The error description of a frame its schema refused: 404 for an unknown type, else 400. */
function refusal(
	obj: Record<string, unknown>,
	id: string | number | null,
	error: {
		issues: { path: PropertyKey[]; message: string; code: string; params?: Record<string, unknown> }[];
	},
): FrameError {
	const issue = error.issues[0];
	const unknownType = issue?.path.length === 1 && issue.path[0] === "type";
	const own = issueCode(issue);
	return {
		ok: false,
		id,
		code: unknownType ? 404 : own ? 422 : 400,
		reason: unknownType ? "UNKNOWN_TYPE" : (own ?? "VALIDATION_FAILED"),
		message: unknownType
			? `Unknown frame type ${JSON.stringify(obj.type)}`
			: `Invalid frame (${issue?.path.join(".") || "frame"}): ${issue?.message ?? "invalid"}`,
	};
}

/**
 * Decodes one server → client frame (clients: the SDK, tests). The server
 * is trusted to send well-formed frames, so this only parses; a frame that
 * is not an object with a string `type` is returned as null.
 *
 * @example const frame = decodeServerFrame(event.data, "msgpack");
 */
export function decodeServerFrame(
	raw: string | ArrayBuffer | Uint8Array,
	transport: Transport,
): ServerFrame | null {
	let value: unknown;
	try {
		if (typeof raw === "string") value = transport === "json" ? JSON.parse(raw) : null;
		else
			value = transport === "msgpack" ? decode(raw instanceof Uint8Array ? raw : new Uint8Array(raw)) : null;
	} catch {
		return null;
	}
	if (!value || typeof value !== "object" || typeof (value as { type?: unknown }).type !== "string")
		return null;
	return value as ServerFrame;
}

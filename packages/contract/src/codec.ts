import { decode, encode } from "@msgpack/msgpack";
import type { z } from "zod";
import { ClientFrame } from "./frames.ts";
import { LIMITS } from "./limits.ts";

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

export type Decoded =
	| { ok: true; frame: ClientFrame }
	| { ok: true; call: { type: string; id?: unknown; [k: string]: unknown } }
	| FrameError;

/**
 * Decodes and validates one inbound frame. Never throws: a bad frame becomes
 * an error description (with the request id when one could be read) so the
 * caller answers it and changes nothing. `call.*` frames are returned raw for
 * the calls handler, which owns their schemas.
 */
export function decodeFrame(raw: string | ArrayBuffer, transport: Transport): Decoded {
	const read = readFrame(raw, transport);
	if (!read.ok) return read;
	const obj = read.value;
	if (typeof obj.type === "string" && obj.type.startsWith("call.")) {
		return { ok: true, call: obj as { type: string } };
	}
	const parsed = validateFrame(ClientFrame, obj);
	return parsed.ok ? { ok: true, frame: parsed.frame } : parsed;
}

export type FrameError = {
	ok: false;
	id: string | number | null;
	code: number;
	reason: string;
	message: string;
};

/**
 * The transport half of decoding, shared by every socket that speaks the
 * native frame rules: size limit, json or msgpack, and "a frame is an object".
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
 * Validates a read frame against a discriminated union of requests: an
 * unknown `type` is 404 UNKNOWN_TYPE, anything else invalid 400
 * VALIDATION_FAILED, both with the request id when one could be read.
 *
 * @example const r = validateFrame(SupportClientFrame, read.value);
 */
export function validateFrame<T>(
	schema: z.ZodType<T>,
	obj: Record<string, unknown>,
): { ok: true; frame: T } | FrameError {
	const id = typeof obj.id === "string" || typeof obj.id === "number" ? obj.id : null;
	const parsed = schema.safeParse(obj);
	if (parsed.success) return { ok: true, frame: parsed.data };
	const issue = parsed.error.issues[0];
	const unknownType = issue?.path.length === 1 && issue.path[0] === "type";
	return {
		ok: false,
		id,
		code: unknownType ? 404 : 400,
		reason: unknownType ? "UNKNOWN_TYPE" : "VALIDATION_FAILED",
		message: unknownType
			? `Unknown frame type ${JSON.stringify(obj.type)}`
			: `Invalid frame (${issue?.path.join(".") || "frame"}): ${issue?.message ?? "invalid"}`,
	};
}

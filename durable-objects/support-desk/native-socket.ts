import { encodeFrame } from "@hatch/contract/codec";
import type { ErrorFrame, ResultFrame } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { SupportClientFrame } from "@hatch/contract/support-frames";
import { decode as msgpackDecode } from "@msgpack/msgpack";
import type { Actor } from "../../src/domain/support/queue";
import { ApiError } from "../../src/errors";
import type { DeskContext, DeskSocket } from "./context";
import { addNote } from "./extras";
import * as ops from "./operations";

type Reply = ResultFrame | ErrorFrame;

/** Runs one decoded request; every refusal is an error frame and changes nothing. */
async function run(desk: DeskContext, ws: WebSocket, me: Actor, f: SupportClientFrame): Promise<unknown> {
	switch (f.type) {
		case "ping":
			return { pong: Date.now() };
		case "support.send":
			return { message: await ops.customerSend(desk, me, f, ws) };
		case "support.history":
			return ops.customerHistory(desk, me);
		case "support.queue":
			return { conversations: ops.queue(desk, me) };
		case "support.conversation":
			return ops.conversationDetail(desk, me, f.conversation_id);
		case "support.take":
			return { conversation: await ops.take(desk, me, f.conversation_id) };
		case "support.reply":
			return { message: await ops.operatorReply(desk, me, f.conversation_id, f, ws) };
		case "support.transfer":
			return { conversation: await ops.transfer(desk, me, f.conversation_id, f.to) };
		case "support.close":
			return { conversation: await ops.close(desk, me, f.conversation_id) };
		case "support.note":
			return { note: addNote(desk, me, f.conversation_id, f.text) };
	}
}

function decode(
	raw: string | ArrayBuffer,
	a: DeskSocket,
): { frame: SupportClientFrame } | { error: ErrorFrame } {
	const bad = (id: ErrorFrame["id"], code: number, reason: string, message: string) => ({
		error: { type: "error", id, code, reason, message } satisfies ErrorFrame,
	});
	const size = typeof raw === "string" ? raw.length : raw.byteLength;
	if (size > LIMITS.FRAME_MAX_BYTES) return bad(null, 413, "FRAME_TOO_LARGE", "Frame too large");
	let value: unknown;
	try {
		if (a.transport === "json") {
			if (typeof raw !== "string") throw new Error("binary");
			value = JSON.parse(raw);
		} else {
			if (typeof raw === "string") throw new Error("text");
			value = msgpackDecode(new Uint8Array(raw));
		}
	} catch {
		return bad(null, 400, "UNDECODABLE", `Frame is not valid ${a.transport}`);
	}
	const obj = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
	const id = typeof obj.id === "string" || typeof obj.id === "number" ? obj.id : null;
	const parsed = SupportClientFrame.safeParse(value);
	if (parsed.success) return { frame: parsed.data };
	const issue = parsed.error.issues[0];
	const unknownType = issue?.path.length === 1 && issue.path[0] === "type";
	return unknownType
		? bad(id, 404, "UNKNOWN_TYPE", `Unknown frame type ${JSON.stringify(obj.type)}`)
		: bad(
				id,
				400,
				"VALIDATION_FAILED",
				`Invalid frame (${issue?.path.join(".") || "frame"}): ${issue?.message}`,
			);
}

/** One inbound frame of a native desk socket: decode, validate, dispatch, answer once. */
export async function nativeMessage(
	desk: DeskContext,
	ws: WebSocket,
	a: DeskSocket,
	raw: string | ArrayBuffer,
) {
	if (!a.user) return;
	const decoded = decode(raw, a);
	let reply: Reply;
	if ("error" in decoded) reply = decoded.error;
	else {
		const { frame } = decoded;
		try {
			reply = { type: "result", id: frame.id, result: await run(desk, ws, a.user, frame) };
		} catch (e) {
			if (!(e instanceof ApiError)) throw e;
			reply = { type: "error", id: frame.id, code: e.status, reason: String(e.code), message: e.message };
		}
	}
	ws.send(encodeFrame(reply, a.transport));
}

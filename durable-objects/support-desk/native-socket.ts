import { encodeFrame, readFrame, validateFrame } from "@hatch/contract/codec";
import type { ErrorFrame, ResultFrame } from "@hatch/contract/frames";
import { SupportClientFrame } from "@hatch/contract/support-frames";
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
	const read = readFrame(raw, a.transport);
	const checked = read.ok ? validateFrame(SupportClientFrame, read.value) : read;
	if (checked.ok) return { frame: checked.frame };
	const { id, code, reason, message } = checked;
	return { error: { type: "error", id, code, reason, message } satisfies ErrorFrame };
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
	if ("error" in decoded) {
		reply = decoded.error;
		if (desk.guard.badFrame(ws)) {
			ws.send(encodeFrame(reply, a.transport));
			ws.close(1008, "Too many bad frames");
			return;
		}
	} else {
		const { frame } = decoded;
		const wait = desk.guard.rateLimit(ws);
		if (wait) {
			const message = `Too many frames; retry in ${wait} ms`;
			reply = {
				type: "error",
				id: frame.id,
				code: 429,
				reason: "RATE_LIMITED",
				message,
				retry_after_ms: wait,
			};
		} else {
			try {
				reply = { type: "result", id: frame.id, result: await run(desk, ws, a.user, frame) };
			} catch (e) {
				if (!(e instanceof ApiError)) throw e;
				reply = { type: "error", id: frame.id, code: e.status, reason: String(e.code), message: e.message };
			}
		}
	}
	ws.send(encodeFrame(reply, a.transport));
}

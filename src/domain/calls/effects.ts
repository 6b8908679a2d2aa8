import type { CallEvent } from "@hatch/contract/call-frames";
import { createDb } from "../../db/client";
import { hubOf } from "../chats/deps";
import { recordCall } from "./history";
import type { CallHost } from "./host";
import type { CallEnd, CallRecord, Effect, PeerReply, PeerSignal, Target } from "./types";

/** The open sockets of this hub a target names. */
export function socketsFor(host: CallHost, to: Target): WebSocket[] {
	const open = host.sockets().filter((ws) => ws.readyState === WebSocket.OPEN);
	if ("socket" in to) return open.filter((ws) => host.identity(ws).s === to.socket);
	return open.filter((ws) => host.identity(ws).s !== to.except);
}

/** Sends one call event; returns how many sockets got it. */
export function sendEvent(host: CallHost, to: Target, frame: CallEvent): number {
	let n = 0;
	for (const ws of socketsFor(host, to)) if (host.send(ws, frame satisfies CallEvent)) n++;
	return n;
}

/**
 * Signals the other party's hub. A thrown RPC (the other hub unreachable or
 * crashed) comes back as null so the caller decides what that means.
 */
export async function signalPeer(
	host: CallHost,
	call: CallRecord,
	signal: PeerSignal,
): Promise<PeerReply | null> {
	const peerId = call.role === "caller" ? call.calleeId : call.callerId;
	try {
		return await hubOf(host.env, peerId).callSignal(signal);
	} catch (err) {
		host.log.warn("UserHub calls: peer signal failed", {
			kind: signal.kind,
			callId: call.id,
			err: String(err),
		});
		return null;
	}
}

/**
 * Performs a transition's effects in order. Stops at a refused `answer`
 * (the call ended on the caller's side meanwhile) and returns that refusal,
 * so "answered elsewhere" is never sent for an answer that did not count.
 */
export async function perform(
	host: CallHost,
	call: CallRecord,
	effects: Effect[],
): Promise<{ answerRefused: { end?: CallEnd } } | null> {
	for (const e of effects) {
		switch (e.kind) {
			case "send":
				sendEvent(host, e.to, e.frame);
				break;
			case "peer": {
				const reply = await signalPeer(host, call, e.signal);
				if (e.signal.kind === "answer" && !reply?.ok) {
					return { answerRefused: { end: reply && !reply.ok ? reply.details?.end : undefined } };
				}
				break;
			}
			case "push":
				await wakeCallee(host, call);
				break;
			case "history":
				await writeHistory(host, call);
				break;
		}
	}
	return null;
}

/** No device is connected: a push wakes the app, which connects and gets the offer replayed. */
async function wakeCallee(host: CallHost, call: CallRecord): Promise<void> {
	const name = call.incoming?.caller.display_name || "Someone";
	try {
		await host.sendPush({
			title: "Incoming call",
			body: `${name} is calling`,
			data: {
				type: "call.offer",
				call_id: call.id,
				caller_id: call.callerId,
				ring_until: String(call.ringUntil),
			},
		});
	} catch (err) {
		host.log.warn("UserHub calls: push failed", { callId: call.id, err: String(err) });
	}
}

/** The caller's hub writes the history row (idempotent; retried when the record is forgotten). */
export async function writeHistory(host: CallHost, call: CallRecord): Promise<void> {
	if (call.role !== "caller" || call.state !== "ended") return;
	try {
		await recordCall(createDb(host.env.DB), call);
	} catch (err) {
		host.log.error("UserHub calls: history write failed", { callId: call.id, err: String(err) });
	}
}

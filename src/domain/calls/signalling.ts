import type { CallClientFrame } from "@hatch/contract/call-frames";
import type { ErrorFrame, ResultFrame } from "@hatch/contract/frames";
import { ApiError } from "../../errors";
import { fail } from "../../lib/result";
import { perform, signalPeer, writeHistory } from "./effects";
import type { CallHost } from "./host";
import {
	afterProbe,
	answerRefused,
	type LocalAction,
	onSocketClosed as machineSocketClosed,
	offerFrame,
	onLocalAction,
	onPeerSignal,
	onTimer,
	startIncoming,
} from "./machine";
import { apply, calleeTurn, lockTurn, type Reply, startCall } from "./outgoing";
import { CallStore } from "./store";
import type { PeerReply, PeerSignal } from "./types";

/**
 * WebRTC call signalling on the UserHub (the Egg seed's "Звонки"): loads the
 * user's call (store.ts), runs it through the pure state machine
 * (machine.ts), saves it and performs the effects (effects.ts), against the
 * hub's narrow CallHost (host.ts). Entry points, all called by UserHub:
 * - `handleCallFrame`: every client frame whose type starts with `call.`,
 *   already validated by the codec (a malformed one is a bad frame there);
 * - `handleCallSignal`: RPC `callSignal` from the other party's hub;
 * - `onSocketOpened` / `onSocketClosed`: a device connects (a ringing call is
 *   replayed to it) or drops (a party dropping ends the call with 500);
 * - `onCallAlarm`: ring timeout, liveness probes, cleanup.
 */

const storeOf = (host: CallHost) => new CallStore(host.state.storage);

/**
 * Call frames of one user are handled one at a time, in arrival order: a
 * client sends `call.offer` and its first `call.ice` back to back, and the
 * ICE must not overtake the offer while the offer waits on D1 or the other
 * hub. A stuck handler holds the line for at most QUEUE_WAIT_MS. Memory only:
 * a hub is evicted only when idle, so there is nothing to keep.
 */
const queues = new WeakMap<CallHost, Promise<void>>();
const QUEUE_WAIT_MS = 10_000;

export function handleCallFrame(host: CallHost, ws: WebSocket, frame: CallClientFrame): Promise<void> {
	const previous = queues.get(host) ?? Promise.resolve();
	let timer: ReturnType<typeof setTimeout> | undefined;
	const waited = new Promise<void>((r) => {
		timer = setTimeout(r, QUEUE_WAIT_MS);
	});
	// The timer is cleared as soon as the line moves, so it never keeps an idle hub awake.
	const turn = Promise.race([previous, waited])
		.finally(() => clearTimeout(timer))
		.then(() => handleOne(host, ws, frame))
		.catch((err: unknown) => host.log.error("UserHub.handleCallFrame failed", { err: String(err) }));
	queues.set(host, turn);
	return turn;
}

async function handleOne(host: CallHost, ws: WebSocket, frame: CallClientFrame): Promise<void> {
	let replied = false;
	const reply = (r: Reply) => {
		if (replied) return;
		replied = true;
		host.send(
			ws,
			"result" in r
				? ({ type: "result", id: frame.id, result: r.result } satisfies ResultFrame)
				: ({ type: "error", id: frame.id, ...r.error } satisfies ErrorFrame),
		);
	};
	try {
		const who = host.identity(ws);
		const store = storeOf(host);
		switch (frame.type) {
			case "call.lock_turn":
				return reply({ result: await lockTurn(host, store, who) });
			case "call.offer":
				return await startCall(host, store, who, { callee: frame.callee, sdp: frame.sdp }, reply);
			case "call.ack":
				return reply(await localAction(host, store, who.s, frame.call_id, { kind: "ack" }));
			case "call.answer":
				return reply(
					await localAction(host, store, who.s, frame.call_id, { kind: "answer", sdp: frame.sdp }),
				);
			case "call.ice":
				return reply(
					await localAction(host, store, who.s, frame.call_id, { kind: "ice", candidate: frame.candidate }),
				);
			case "call.bye":
				return reply(
					await localAction(host, store, who.s, frame.call_id, {
						kind: "bye",
						code: frame.code,
						reason: frame.reason,
					}),
				);
			default: {
				const never: never = frame;
				throw new Error(`unhandled call frame ${JSON.stringify(never)}`);
			}
		}
	} catch (err) {
		if (!(err instanceof ApiError))
			host.log.error("UserHub.handleCallFrame failed", { type: frame.type, err: String(err) });
		const e = err instanceof ApiError ? err : null;
		const retryAfterS = Number(e?.headers?.["Retry-After"]);
		reply({
			error: {
				code: e?.status ?? 500,
				reason: e ? String(e.code) : "INTERNAL",
				message: e?.message ?? "Internal error",
				...(retryAfterS > 0 ? { retry_after_ms: retryAfterS * 1000 } : {}),
			},
		});
	}
}

/** ack / answer / ice / bye from one of this user's sockets. */
async function localAction(
	host: CallHost,
	store: CallStore,
	socketId: string,
	callId: string | undefined,
	action: LocalAction,
): Promise<Reply> {
	const t = onLocalAction(await store.load(), callId, socketId, action, Date.now());
	if (!t.ok) return { error: t.error };
	await store.save(t.call);
	const outcome = await perform(host, t.call, t.effects);
	if (outcome) {
		// Our answer lost the race with the caller's end of the call.
		const fresh = await store.load();
		if (fresh?.id === t.call.id)
			await apply(host, store, answerRefused(fresh, outcome.answerRefused.end, Date.now()));
		return {
			error: { code: 410, reason: "CALL_ENDED", message: "The call ended before the answer arrived" },
		};
	}
	return { result: { call_id: t.call.id } };
}

/** RPC from the other party's hub (UserHub.callSignal). */
export async function handleCallSignal(host: CallHost, signal: PeerSignal): Promise<PeerReply> {
	const store = storeOf(host);
	const now = Date.now();
	if (signal.kind === "offer") {
		const turn = await calleeTurn(host, signal.calleeId);
		const devices = host.sockets().filter((ws) => ws.readyState === WebSocket.OPEN).length;
		const t = startIncoming(await store.load(), signal, devices, turn, now);
		if (!t.ok) return fail("BUSY", 486, "Busy on another call");
		await apply(host, store, t);
		return { ok: true, value: { devices } };
	}
	const { transition, reply } = onPeerSignal(await store.load(), signal, now);
	if (transition) await apply(host, store, transition);
	return reply;
}

/** A device connected: if a call is ringing for this user, it rings there too (the app woken by push lands here). */
export async function onSocketOpened(host: CallHost, ws: WebSocket): Promise<void> {
	try {
		const store = storeOf(host);
		const call = await store.load();
		if (call?.role !== "callee" || call.state !== "ringing") return;
		host.send(ws, offerFrame(call));
		if (!call.delivered) {
			await store.save({ ...call, delivered: true });
			// Told in the background: the upgrade should not wait on the caller's hub.
			host.state.waitUntil(signalPeer(host, call, { kind: "ringing", callId: call.id }));
		}
	} catch (err) {
		host.log.error("UserHub.onSocketOpened (calls) failed", { err: String(err) });
	}
}

/** Called from UserHub.webSocketClose for every socket that closes. */
export async function onSocketClosed(host: CallHost, ws: WebSocket): Promise<void> {
	try {
		const store = storeOf(host);
		const socketId = host.identity(ws).s;
		await store.unlockTurn(socketId);
		const t = machineSocketClosed(await store.load(), socketId, Date.now());
		if (t) await apply(host, store, t);
	} catch (err) {
		host.log.error("UserHub.onSocketClosed (calls) failed", { err: String(err) });
	}
}

/** UserHub.alarm: whatever the current call needs now. */
export async function onCallAlarm(host: CallHost): Promise<void> {
	const store = storeOf(host);
	const call = await store.load();
	if (!call) return;
	const now = Date.now();
	const step = onTimer(call, now);
	if (step === null) {
		await store.save(call);
		return;
	}
	if (step === "forget") {
		await writeHistory(host, call);
		await store.clear();
		await store.pruneTurn(new Set(host.sockets().map((ws) => host.identity(ws).s)));
		return;
	}
	if (step !== "probe") return apply(host, store, step);
	// Answered: our party's socket must still be here, and the other hub must still hold the call.
	const here =
		call.socketId !== null &&
		host.state.getWebSockets(call.socketId).some((ws) => ws.readyState === WebSocket.OPEN);
	if (!here && call.socketId) {
		const t = machineSocketClosed(call, call.socketId, now);
		if (t) await apply(host, store, t);
		return;
	}
	const peer = await signalPeer(host, call, { kind: "probe", callId: call.id });
	const fresh = await store.load();
	if (fresh?.id !== call.id) return;
	// An unreachable hub is not proof of death: only a definite "no such call" ends it.
	await apply(host, store, afterProbe(fresh, peer === null || peer.ok, Date.now()));
}

import type { TurnServerInfo } from "@hatch/contract/call-frames";
import { eq } from "drizzle-orm";
import { createDb } from "../../db/client";
import { users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { shareChat } from "../chats/shared";
import { enforceRateLimit } from "../rate-limit";
import { createTurnProvider } from "../turn/config";
import { turnServerInfo } from "../turn/info";
import { issueTurnLease } from "../turn/lease";
import type { TurnCredentials } from "../turn/types";
import { perform, sendEvent, signalPeer } from "./effects";
import type { CallHost, CallSocket } from "./host";
import { applyOfferReply, startOutgoing } from "./machine";
import type { CallStore } from "./store";
import type { Transition } from "./types";

/** Offers per user per minute: plenty for redials, a wall against ringing someone in a loop. */
export const OFFER_RATE = { limit: 20, windowS: 60 } as const;

/** A lease this close to expiry is replaced rather than handed to a callee. */
const TURN_RENEW_BEFORE_MS = 5 * 60_000;

export type Reply =
	| { result: unknown }
	| { error: { code: number; reason: string; message: string; retry_after_ms?: number } };

/**
 * `call.lock_turn`: a fresh TURN lease, locked to this socket (the seed's
 * c2s_lock_turn_server; sending it again renews the lease). Shares the
 * per-user rate limit with POST /v1/turn/credentials; failures throw ApiError.
 */
export async function lockTurn(host: CallHost, store: CallStore, who: CallSocket): Promise<TurnServerInfo> {
	const creds = await issueTurnLease(host.env, who.u);
	await store.lockTurn(who.s, creds);
	return turnServerInfo(creds);
}

/**
 * Makes sure the offering socket has a TURN lease of its own: its locked
 * one while fresh, else a new one, locked and sent as `call.turn_server`.
 * Without one the call still works peer to peer or over STUN.
 */
async function ensureCallerTurn(host: CallHost, store: CallStore, who: CallSocket): Promise<void> {
	const locked = await store.turnFor(who.s);
	if (locked && locked.expiresAt - Date.now() > TURN_RENEW_BEFORE_MS) return;
	let creds: TurnCredentials;
	try {
		creds = await createTurnProvider(host.env).issue(who.u);
	} catch (err) {
		host.log.warn("UserHub calls: no TURN lease for offer", { err: String(err) });
		return;
	}
	await store.lockTurn(who.s, creds);
	sendEvent(host, { socket: who.s }, { type: "call.turn_server", ...turnServerInfo(creds) });
}

/**
 * The callee's own TURN lease for an incoming call, minted on the callee's
 * hub (the caller's credentials never leave the caller); null if none can
 * be had, and the callee's devices ring without one.
 */
export async function calleeTurn(host: CallHost, calleeId: string): Promise<TurnServerInfo | null> {
	try {
		return turnServerInfo(await createTurnProvider(host.env).issue(calleeId));
	} catch (err) {
		host.log.warn("UserHub calls: no TURN lease for the callee", { err: String(err) });
		return null;
	}
}

/**
 * `call.offer`: rate-limited per caller (429 `RATE_LIMITED`); only someone
 * who shares a chat with the caller may be rung (403 `NOT_A_CONTACT`
 * otherwise, the same for a user id that does not exist, and nothing is
 * stored); claims the caller's "in a call" slot, makes sure the socket has
 * a TURN lease, answers with the call id and asks the callee's hub to ring
 * (the callee's hub mints the callee's own lease). Busy → bye 486. `reply`
 * is sent before the callee's hub is asked, so the caller has the call id
 * before any ack/answer/bye for it can arrive.
 */
export async function startCall(
	host: CallHost,
	store: CallStore,
	who: CallSocket,
	input: { callee: string; sdp: string },
	reply: (r: Reply) => void,
): Promise<void> {
	await enforceRateLimit(host.env.RATE_LIMITER, `call:offer:${who.u}`, OFFER_RATE);
	const db = createDb(host.env.DB);
	const [caller, known] = await Promise.all([
		db.select({ id: users.id, displayName: users.displayName }).from(users).where(eq(users.id, who.u)).get(),
		input.callee === who.u ? true : shareChat(db, who.u, input.callee),
	]);
	if (!caller || !known) {
		return reply({
			error: {
				code: 403,
				reason: "NOT_A_CONTACT",
				message: "You can only call people you share a chat with",
			},
		});
	}
	const callee = { id: input.callee };
	const callId = newId();
	// Load, decide and save with no other await in between: two devices offering at once cannot both win.
	const now = Date.now();
	const t = startOutgoing(await store.load(), {
		callId,
		callerId: who.u,
		calleeId: callee.id,
		socketId: who.s,
		now,
	});
	if (!t.ok) return reply({ error: t.error });
	await store.save(t.call);

	await ensureCallerTurn(host, store, who);
	reply({ result: { call_id: callId, callee: callee.id } });
	const answer = await signalPeer(host, t.call, {
		kind: "offer",
		callId,
		callerId: who.u,
		calleeId: callee.id,
		caller: { id: caller.id, display_name: caller.displayName },
		sdp: input.sdp,
		ringUntil: t.call.ringUntil,
	});
	// The call may have moved on meanwhile (an answer overtaking this reply, the caller's socket dropping):
	// decide on the fresh record.
	const fresh = await store.load();
	if (fresh?.id !== callId) return;
	await apply(host, store, applyOfferReply(fresh, answer ?? "failed", Date.now()));
}

/** Saves a transition's record and performs its effects. */
export async function apply(host: CallHost, store: CallStore, t: Transition): Promise<void> {
	if (!t.ok) return;
	await store.save(t.call);
	await perform(host, t.call, t.effects);
}

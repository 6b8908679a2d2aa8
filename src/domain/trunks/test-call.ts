import { eq } from "drizzle-orm";
import { type SipTrunkRow, sipTrunks } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { createLogger } from "../../lib/log";
import type { VoiceDb as Db } from "../campaigns/db";
import { toE164 } from "../contacts/normalize";
import { loadDoNotCall } from "../contacts/store";
import { dialerFor } from "../dialer";
import type { DialerEvent, DialResult } from "../dialer/types";
import { getOwnedSound, soundUrl } from "../sounds/sounds";
import { assertHostAllowed, toDialTrunk } from "./trunks";

/** Prefix of test-call ids; campaign calls use `<campaign>:<contact>:<attempt>`. */
export const TEST_CALL_PREFIX = "test:";

/**
 * Places one call through a trunk, for checking the settings before a
 * campaign. The outcome arrives as dialer events and lands in the trunk's
 * `last_test`.
 *
 * @example await placeTestCall(env, db, trunk, "+14155550100", soundId)
 */
export async function placeTestCall(env: Env, db: Db, trunk: SipTrunkRow, rawTo: string, soundId: string) {
	const to = toE164(rawTo, env.DEFAULT_PHONE_REGION);
	if (!to) throw new ApiError("INVALID_NUMBER", `${rawTo} is not a valid phone number`, { status: 422 });
	if ((await loadDoNotCall(env.DB, trunk.ownerId, [to])).size > 0) {
		throw new ApiError("DO_NOT_CALL", `${to} is on your do-not-call list`, { status: 422 });
	}
	await getOwnedSound(db, trunk.ownerId, soundId);
	// The deny list may have changed since the trunk was saved.
	assertHostAllowed(env, trunk.host);
	const callId = `${TEST_CALL_PREFIX}${trunk.id}:${newId()}`;
	let result: DialResult;
	try {
		result = await dialerFor(env).createCall({
			call_id: callId,
			to,
			trunk: await toDialTrunk(env.SECRETS_KEY, trunk),
			audio: { url: soundUrl(env, soundId) },
			ring_timeout_s: 30,
			max_duration_s: 120,
			callback_url: `${env.PUBLIC_URL.replace(/\/$/, "")}/v1/dialer/events`,
		});
	} catch (err) {
		result = { ok: false, code: "TRANSIENT", status: 0, message: (err as Error).message };
	}
	if (!result.ok) {
		// The dialer's own address and socket errors stay in the logs.
		createLogger({ module: "trunks" }).warn("test call not placed", {
			callId,
			outcome: result.code,
			detail: result.message,
		});
		if (result.code === "AT_CAPACITY")
			throw new ApiError("DIALER_BUSY", "The dialer is at capacity; try the test call again in a minute", {
				status: 503,
			});
		if (result.code === "TRANSIENT")
			throw new ApiError("DIALER_UNAVAILABLE", "The dialer is not reachable; try the test call again later", {
				status: 502,
			});
		throw new ApiError("DIALER_REJECTED", `The dialer refused the call (${result.message})`, { status: 502 });
	}
	const lastTest = { call_id: callId, to, state: result.state, seq: 0, at: new Date().toISOString() };
	await db.update(sipTrunks).set({ lastTest }).where(eq(sipTrunks.id, trunk.id));
	return { call_id: callId, to, state: result.state };
}

/** What an event says about the call; a new state replaces all of it (an answer is not "Ringing"). */
const EVENT_FIELDS = ["sip_code", "reason", "ring_ms", "talk_ms", "billed_s"] as const;

/**
 * Folds a dialer event for a test call into the trunk's `last_test` (older or
 * repeated events are ignored). A DTMF digit is appended; any other event is
 * the call's new state, with that event's code, reason and times only.
 */
export async function recordTestCallEvent(db: Db, ev: DialerEvent): Promise<void> {
	const trunkId = ev.call_id.slice(TEST_CALL_PREFIX.length).split(":")[0] ?? "";
	const trunk = await db.query.sipTrunks.findFirst({ where: eq(sipTrunks.id, trunkId) });
	const last = trunk?.lastTest as { call_id?: string; seq?: number; dtmf?: string } | null | undefined;
	if (!trunk || !last || last.call_id !== ev.call_id || (last.seq ?? 0) >= ev.seq) return;
	const next: Record<string, unknown> = { ...last, seq: ev.seq, at: ev.at };
	if (ev.type === "dtmf") next.dtmf = `${last.dtmf ?? ""}${ev.digit ?? ""}`;
	else {
		next.state = ev.type;
		for (const k of EVENT_FIELDS) {
			if (ev[k] !== undefined) next[k] = ev[k];
			else delete next[k];
		}
	}
	await db.update(sipTrunks).set({ lastTest: next }).where(eq(sipTrunks.id, trunk.id));
}

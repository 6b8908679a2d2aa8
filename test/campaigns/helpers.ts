import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { CallView } from "@hatch/contract/dialer";
import { buildWav } from "@hatch/shared/audio/wav";
import { afterEach, beforeEach } from "vitest";
import { setDialerForTests } from "../../src/domain/dialer";
import { signAsDialer } from "../../src/domain/dialer/token";
import type { Dialer, DialRequest, DialResult } from "../../src/domain/dialer/types";
import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";

/** A dialer that records what it was asked and answers as scripted (201 by default). */
export class FakeDialer implements Dialer {
	calls: DialRequest[] = [];
	canceled: string[] = [];
	placed = new Set<string>();
	/** Per call: what POST /calls answers; default accepted. */
	answer: (req: DialRequest) => DialResult = () => ({ ok: true, state: "trying" });

	async createCall(req: DialRequest): Promise<DialResult> {
		this.calls.push(req);
		if (this.placed.has(req.call_id))
			return { ok: false, code: "CALL_EXISTS", status: 409, message: "exists" };
		const r = this.answer(req);
		if (r.ok) this.placed.add(req.call_id);
		return r;
	}
	async cancelCall(callId: string): Promise<void> {
		this.canceled.push(callId);
	}
	async getCall(): Promise<CallView | null> {
		return null;
	}
	async health() {
		return { ok: true, active_calls: 0, capacity: 100 };
	}
	/** Distinct call ids placed (a call id seen twice means a resend, not a second call). */
	distinct(): string[] {
		return [...new Set(this.calls.map((c) => c.call_id))];
	}
}

/**
 * A fresh FakeDialer in place of the real one for each test of the file, removed after it.
 *
 * @example const dialer = useFakeDialer(); // at the top of the file; then dialer().calls in a test
 */
export function useFakeDialer(): () => FakeDialer {
	let dialer = new FakeDialer();
	beforeEach(() => {
		dialer = new FakeDialer();
		setDialerForTests(dialer);
	});
	afterEach(() => setDialerForTests(null));
	return () => dialer;
}

/** Posts dialer events to the Worker as the dialer would. */
export async function sendEvents(
	events: Record<string, unknown>[] | Record<string, unknown>,
): Promise<Response> {
	const token = await signAsDialer(env.DIALER_SECRET);
	return api("/v1/dialer/events", {
		method: "POST",
		headers: { Authorization: `Bearer ${token}` },
		json: events,
	});
}

/** Events for one call in order, seq from 1. */
export function callEvents(
	callId: string,
	outcome: "completed" | "busy" | "no_answer" | "failed",
	extra: Record<string, unknown> = {},
) {
	const at = new Date().toISOString();
	const evs: Record<string, unknown>[] = [{ call_id: callId, seq: 1, type: "trying", at }];
	if (outcome === "completed") {
		evs.push(
			{ call_id: callId, seq: 2, type: "ringing", at },
			{ call_id: callId, seq: 3, type: "answered", at, sip_code: 200 },
		);
		evs.push({
			call_id: callId,
			seq: 4,
			type: "completed",
			at,
			sip_code: 200,
			talk_ms: 3000,
			billed_s: 3,
			...extra,
		});
	} else if (outcome === "busy")
		evs.push({ call_id: callId, seq: 2, type: "busy", at, sip_code: 486, reason: "Busy Here", ...extra });
	else if (outcome === "no_answer")
		evs.push(
			{ call_id: callId, seq: 2, type: "ringing", at },
			{ call_id: callId, seq: 3, type: "no_answer", at, ring_ms: 5000, ...extra },
		);
	else
		evs.push({
			call_id: callId,
			seq: 2,
			type: "failed",
			at,
			sip_code: 503,
			reason: "Service Unavailable",
			...extra,
		});
	return evs;
}

/** A short 16-bit PCM WAV tone. */
export function toneWav(seconds = 1, rate = 16000, channels = 1): Uint8Array {
	const n = Math.floor(seconds * rate) * channels;
	const s = new Int16Array(n);
	for (let i = 0; i < n; i++)
		s[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * Math.floor(i / channels)) / rate));
	return buildWav(s, rate, channels);
}

export async function makeTrunk(user: TestUser, body: Record<string, unknown> = {}) {
	const res = await api("/v1/sip-trunks", {
		method: "POST",
		headers: user.auth,
		json: { name: "Main", host: "127.0.0.1", port: 5070, username: "acme", password: "s3cret-pass", ...body },
	});
	if (res.status !== 201) throw new Error(`trunk: ${res.status} ${await res.text()}`);
	return (await res.json()) as { id: string };
}

export async function makeSound(user: TestUser) {
	const res = await api("/v1/sounds?name=hello", {
		method: "POST",
		headers: { ...user.auth, "Content-Type": "audio/wav" },
		body: toneWav(1),
	});
	if (res.status !== 201) throw new Error(`sound: ${res.status} ${await res.text()}`);
	return (await res.json()) as { id: string };
}

export async function makeList(user: TestUser, numbers: string[]) {
	const csv = `number,name\n${numbers.map((n, i) => `${n},Person ${i + 1}`).join("\n")}\n`;
	const res = await api("/v1/contact-lists?name=list", {
		method: "POST",
		headers: { ...user.auth, "Content-Type": "text/csv" },
		body: csv,
	});
	if (res.status !== 201) throw new Error(`list: ${res.status} ${await res.text()}`);
	return (await res.json()) as { id: string; contact_count: number };
}

/** The Campaign Durable Object of campaign `id`. */
export function campaignDO(id: string) {
	return env.CAMPAIGN.get(env.CAMPAIGN.idFromName(id));
}

/** Runs the campaign's alarms until `cond` holds (bounded in count). */
export async function pumpUntil(id: string, cond: () => boolean | Promise<boolean>, max = 30): Promise<void> {
	for (let i = 0; i < max; i++) {
		if (await cond()) return;
		// runDurableObjectAlarm only runs an alarm that is set; make sure one is.
		await runInDurableObject(campaignDO(id), async (_i, state) => {
			if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now());
		});
		await runDurableObjectAlarm(campaignDO(id));
		await new Promise((r) => setTimeout(r, 20));
	}
	if (!(await cond())) throw new Error("condition not reached");
}

/** A draft campaign of `user` calling `numbers` through a fresh trunk, sound and list. */
export async function makeCampaign(user: TestUser, numbers: string[], extra: Record<string, unknown> = {}) {
	const trunk = await makeTrunk(user);
	const sound = await makeSound(user);
	const list = await makeList(user, numbers);
	const res = await api("/v1/campaigns", {
		method: "POST",
		headers: user.auth,
		json: {
			name: "Spring",
			trunk_id: trunk.id,
			sound_id: sound.id,
			list_id: list.id,
			calls_per_second: 50,
			max_concurrent: 2,
			...extra,
		},
	});
	if (res.status !== 201) throw new Error(`campaign: ${res.status} ${await res.text()}`);
	return (await res.json()) as { id: string; webhook_secret: string | null };
}

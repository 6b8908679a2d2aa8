import {
	afterOutcome,
	afterSend,
	type DialLimits,
	type DialState,
	ENGINE,
	emptyPacer,
	type Job,
	lostAfterMs,
	nextWake,
	planDial,
} from "../../src/domain/campaigns/engine.ts";
import type { RetryPolicy } from "../../src/domain/campaigns/retry.ts";
import type { DialResult } from "../../src/domain/dialer/types.ts";

/**
 * A campaign run on a virtual clock, driven only by the pure engine the way
 * the Campaign Durable Object drives it, against a fake dialer whose answers
 * and call outcomes come from the test. Records what the invariants need.
 */
export type SimCall = { outcome: string; durationMs: number };
export type SimInput = {
	limits: DialLimits;
	retry: RetryPolicy;
	numbers: string[];
	blocked: string[];
	/** Per POST /calls, in order: how the dialer answers ("lost": it took the call, the answer never came). */
	answers: Array<"ok" | "capacity" | "lost" | "rejected">;
	/** Per placed call, in order. */
	calls: SimCall[];
	start: number;
};

type Contact = {
	idx: number;
	number: string;
	state: "pending" | "calling" | "done";
	attempts: number;
	nextAt: number;
	callId: string | null;
	outcome: string | null;
};
type Call = {
	callId: string;
	idx: number;
	attempt: number;
	state: "queued" | "live" | "ended";
	sendTries: number;
	sendAt: number;
	endsAt: number;
	outcome: string | null;
};

export type SimResult = {
	dials: number[];
	maxLive: number;
	/** Calls the fake dialer placed, by call id: more than one would be a number dialed twice for one attempt. */
	placed: Map<string, number>;
	contacts: Contact[];
	calls: Call[];
	steps: number;
};

export function simulate(input: SimInput): SimResult {
	const lim = input.limits;
	const contacts: Contact[] = input.numbers.map((number, idx) => ({
		idx,
		number,
		state: "pending",
		attempts: 0,
		nextAt: 0,
		callId: null,
		outcome: null,
	}));
	const calls = new Map<string, Call>();
	const placed = new Map<string, number>();
	const blocked = new Set(input.blocked);
	let answerAt = 0;
	let callAt = 0;
	let now = input.start;
	let state: DialState = {
		status: "running",
		live: 0,
		pacer: emptyPacer(),
		dnc: { covers: new Set(), blocked: new Set(), left: 0, at: 0, loading: false },
	};
	const dials: number[] = [];
	let maxLive = 0;
	let steps = 0;
	let until = now + ENGINE.TICK_BUDGET_MS;
	let dncReads = 0;

	const liveCount = () => [...calls.values()].filter((c) => c.state !== "ended").length;
	const finish = (c: Call, outcome: string) => {
		c.state = "ended";
		c.outcome = outcome;
		const contact = contacts[c.idx] as Contact;
		const next = afterOutcome({
			retry: input.retry,
			outcome,
			attempt: c.attempt,
			status: "running",
			current: contact.callId === c.callId,
			at: now,
		});
		if (next?.state === "pending") Object.assign(contact, { state: "pending", nextAt: next.nextAt, outcome });
		else if (next) Object.assign(contact, { state: "done", outcome });
	};
	const endDue = () => {
		for (const c of calls.values())
			if (c.state === "live" && c.endsAt <= now) finish(c, c.outcome ?? "completed");
	};
	const due = () =>
		contacts
			.filter((c) => c.state === "pending" && c.nextAt <= now)
			.sort((a, b) => a.nextAt - b.nextAt || a.idx - b.idx);
	const nextJob = (): Job | null => {
		const resend = [...calls.values()].find((c) => c.state === "queued" && c.sendAt <= now);
		if (resend) return { kind: "resend", callId: resend.callId };
		const c = due()[0];
		return c ? { kind: "new", idx: c.idx, number: c.number } : null;
	};
	const loadDnc = () => {
		const upcoming = due()
			.slice(0, ENGINE.DNC_BATCH)
			.map((c) => c.number);
		state = {
			...state,
			dnc: {
				covers: new Set(upcoming),
				blocked: new Set(upcoming.filter((n) => blocked.has(n))),
				left: upcoming.length,
				at: now,
				loading: false,
			},
		};
	};
	const send = (c: Call) => {
		const answer = input.answers[answerAt++ % Math.max(1, input.answers.length)] ?? "ok";
		let result: DialResult | null;
		if (answer === "capacity") result = { ok: false, code: "AT_CAPACITY", status: 503, message: "full" };
		else if (answer === "rejected") result = { ok: false, code: "REJECTED", status: 400, message: "bad" };
		else if (placed.has(c.callId))
			result = { ok: false, code: "CALL_EXISTS", status: 409, message: "exists" };
		else {
			placed.set(c.callId, (placed.get(c.callId) ?? 0) + 1);
			const plan = input.calls[callAt++ % Math.max(1, input.calls.length)] ?? {
				outcome: "completed",
				durationMs: 1000,
			};
			c.endsAt = now + plan.durationMs;
			c.outcome = plan.outcome;
			result = answer === "lost" ? null : { ok: true, state: "dialing" };
		}
		const v = afterSend(result, c.sendTries, now);
		if (v.type === "taken") c.state = "live";
		else if (v.type === "failed") finish(c, "failed");
		else Object.assign(c, { sendTries: v.tries, sendAt: v.at });
	};

	while (steps++ < 200_000) {
		endDue();
		const job = nextJob();
		state = { ...state, live: liveCount() };
		const step = planDial(state, lim, job, now, until, dncReads >= 2);
		state = step.state;
		let stop = false;
		for (const e of step.effects) {
			if (e.type === "stop") stop = true;
			else if (e.type === "load_dnc" || e.type === "prefetch_dnc") {
				if (e.type === "load_dnc") dncReads++;
				loadDnc();
			} else if (e.type === "do_not_call") {
				dncReads = 0;
				Object.assign(contacts[e.idx] as Contact, { state: "done", outcome: "do_not_call" });
			} else if (e.type === "sleep") now = e.until;
			else if (e.type === "dial") {
				dncReads = 0;
				dials.push(now);
				let call: Call;
				if (e.job.kind === "new") {
					const contact = contacts[e.job.idx] as Contact;
					contact.attempts++;
					const callId = `${contact.idx}:${contact.attempts}`;
					call = {
						callId,
						idx: contact.idx,
						attempt: contact.attempts,
						state: "queued",
						sendTries: 0,
						sendAt: 0,
						endsAt: 0,
						outcome: null,
					};
					calls.set(callId, call);
					Object.assign(contact, { state: "calling", callId });
				} else call = calls.get(e.job.callId) as Call;
				maxLive = Math.max(maxLive, liveCount());
				send(call);
			}
		}
		if (!stop) continue;
		// The tick ends: the next alarm, or the next dialer event, whichever comes first.
		const live = [...calls.values()].filter((c) => c.state === "live");
		const queued = [...calls.values()].filter((c) => c.state === "queued");
		const pending = contacts.filter((c) => c.state === "pending");
		const wake = nextWake({
			now,
			status: "running",
			window: lim.window,
			webhookAt: null,
			oldestLiveAt: null,
			lostAfterMs: lostAfterMs(30, 60),
			resendAt: queued.length ? Math.min(...queued.map((c) => c.sendAt)) : null,
			dueAt:
				pending.length && liveCount() < lim.maxConcurrent ? Math.min(...pending.map((c) => c.nextAt)) : null,
			nextSlot: state.pacer.nextSlot,
		});
		const nextEnd = live.length ? Math.min(...live.map((c) => c.endsAt)) : null;
		const next = Math.min(wake ?? Number.POSITIVE_INFINITY, nextEnd ?? Number.POSITIVE_INFINITY);
		if (!Number.isFinite(next)) break;
		now = Math.max(now + 1, next);
		until = now + ENGINE.TICK_BUDGET_MS;
	}
	return { dials, maxLive, placed, contacts, calls: [...calls.values()], steps };
}

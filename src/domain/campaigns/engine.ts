import type { CampaignStatus } from "@hatch/contract/campaign-events";
import type { DialResult } from "../dialer/types";
import type { RetryPolicy } from "./retry";
import { type CallingWindow, isOpen, nextOpen } from "./window";

/**
 * The campaign engine's decisions, pure: (state, event, now) → (state,
 * effects). The Campaign Durable Object keeps contacts and calls in its
 * SQLite, asks here what to do next, and only loads, stores and performs
 * (SQL writes, dialer requests, do-not-call reads, timers). Every rule of
 * pacing, concurrency, calling window, do-not-call freshness, resends,
 * retries and lost calls lives and is tested here (test-node/campaigns).
 */
export const ENGINE = {
	/** How long one alarm keeps dialing before handing over to the next alarm. */
	TICK_BUDGET_MS: 10_000,
	/** Progress events to the owner's devices, at most one per this many ms while dialing. */
	PROGRESS_EVERY_MS: 1000,
	/** A call the dialer accepted but never finished is given up after its limits plus this. */
	LOST_GRACE_MS: 120_000,
	/** Resends of a call the dialer could not take (capacity, network) before the attempt fails. */
	MAX_SEND_TRIES: 20,
	/** Do-not-call is read for this many upcoming contacts at a time... */
	DNC_BATCH: 300,
	/** ...and the next batch is fetched once this many of the current one are left to dial. */
	DNC_PREFETCH_AT: 150,
	/** An answer older than this is never used: the number is re-read first. */
	DNC_MAX_AGE_MS: 5000,
} as const;

/**
 * Rate pacing: one call every 1/cps seconds, evenly spaced. A late timer may
 * catch up at most a tenth of a second's worth of calls, and `recent` (the
 * dial times of the last second) makes sure no catch-up ever puts more than
 * the configured rate into any one-second window, which carriers enforce.
 */
export type Pacer = { nextSlot: number; recent: number[] };

/** Do-not-call answers for the next contacts due (`covers`), read at `at`. */
export type DncCache = {
	covers: ReadonlySet<string>;
	blocked: ReadonlySet<string>;
	left: number;
	at: number;
	loading: boolean;
};

export type DialState = {
	status: CampaignStatus;
	/** Calls holding a concurrency slot (queued for the dialer, or live on it). */
	live: number;
	pacer: Pacer;
	dnc: DncCache;
};

export type DialLimits = { callsPerSecond: number; maxConcurrent: number; window: CallingWindow | null };

/** The next thing the store has due: a call the dialer has not yet taken, else a due contact. */
export type Job = { kind: "resend"; callId: string } | { kind: "new"; idx: number; number: string };

export type DialEffect =
	/** Nothing more to dial in this tick. */
	| { type: "stop"; why: "status" | "window" | "idle" | "concurrency" | "budget" }
	/** Read do-not-call for the upcoming contacts and wait for it, then plan again. */
	| { type: "load_dnc" }
	/** Read the next do-not-call batch in the background. */
	| { type: "prefetch_dnc" }
	/** The contact is on the do-not-call list: done without a call. */
	| { type: "do_not_call"; idx: number }
	/** Wait for the rate slot, then plan again. */
	| { type: "sleep"; until: number }
	/** Create the attempt (new) or resend it, now. */
	| { type: "dial"; job: Job };

export const emptyPacer = (): Pacer => ({ nextSlot: 0, recent: [] });

/** Most calls any one-second window may hold at this rate (at least one). */
export function perSecondCap(callsPerSecond: number): number {
	return Math.max(1, Math.floor(callsPerSecond));
}

/** Whether the campaign may dial at `now` at all. */
export function canDial(status: CampaignStatus, window: CallingWindow | null, now: number): boolean {
	return status === "running" && (!window || isOpen(window, now));
}

/** The earliest time a call may go out under the pacer, no earlier than the catch-up allows. */
export function slotAt(p: Pacer, callsPerSecond: number, now: number): number {
	const interval = 1000 / callsPerSecond;
	const burst = Math.max(0, Math.ceil(callsPerSecond / 10) - 1);
	let slot = Math.max(p.nextSlot, now - burst * interval);
	const cap = perSecondCap(callsPerSecond);
	const nth = p.recent[p.recent.length - cap];
	if (p.recent.length >= cap && nth !== undefined) slot = Math.max(slot, nth + 1000);
	return slot;
}

/** The pacer after a call went out at `now` for `slot`. */
export function paced(p: Pacer, callsPerSecond: number, slot: number, now: number): Pacer {
	const cap = perSecondCap(callsPerSecond);
	const recent = p.recent.filter((t) => t > now - 1000);
	recent.push(now);
	return { nextSlot: slot + 1000 / callsPerSecond, recent: recent.slice(-cap) };
}

/**
 * The pacer a fresh instance starts from: the stored one (written once per
 * tick) merged with `newest`, the creation times of the newest attempts, so
 * dials made after the last store still count against the rate.
 *
 * @example rebuildPacer({ nextSlot: 0, recent: [] }, [1000, 990], 100) // { nextSlot: 1010, recent: [990, 1000] }
 */
export function rebuildPacer(stored: Pacer, newest: readonly number[], callsPerSecond: number): Pacer {
	const cap = perSecondCap(callsPerSecond);
	const recent = [...new Set([...stored.recent, ...newest])].sort((x, y) => x - y).slice(-cap);
	const last = recent.at(-1);
	const nextSlot =
		last === undefined ? stored.nextSlot : Math.max(stored.nextSlot, last + 1000 / callsPerSecond);
	return { nextSlot, recent };
}

/**
 * One step of the dial loop: what to do with the job the store has due.
 * `dncFresh` is set after do-not-call was just read for this job, so a
 * number the read did not cover is not read forever.
 */
export function planDial(
	s: DialState,
	lim: DialLimits,
	job: Job | null,
	now: number,
	until: number,
	dncFresh = false,
): { state: DialState; effects: DialEffect[] } {
	const stop = (why: Extract<DialEffect, { type: "stop" }>["why"]) => ({
		state: s,
		effects: [{ type: "stop", why } as DialEffect],
	});
	if (s.status !== "running") return stop("status");
	if (lim.window && !isOpen(lim.window, now)) return stop("window");
	if (!job) return stop("idle");
	const effects: DialEffect[] = [];
	let dnc = s.dnc;
	if (job.kind === "new") {
		// A resend already holds its slot (queued calls count as live); only new attempts need one.
		if (s.live >= lim.maxConcurrent) return stop("concurrency");
		const stale = !dnc.covers.has(job.number) || now - dnc.at > ENGINE.DNC_MAX_AGE_MS;
		if (stale && !dncFresh) return { state: s, effects: [{ type: "load_dnc" }] };
		// Read ahead when the batch runs low, or ages: a slow campaign must not wait on a blocking read.
		const low = dnc.left <= ENGINE.DNC_PREFETCH_AT || now - dnc.at > ENGINE.DNC_MAX_AGE_MS / 2;
		if (!stale && low && !dnc.loading) {
			dnc = { ...dnc, loading: true };
			effects.push({ type: "prefetch_dnc" });
		}
		if (dnc.blocked.has(job.number)) {
			effects.push({ type: "do_not_call", idx: job.idx });
			return { state: { ...s, dnc }, effects };
		}
	}
	const slot = slotAt(s.pacer, lim.callsPerSecond, now);
	if (slot > until) return { state: { ...s, dnc }, effects: [...effects, { type: "stop", why: "budget" }] };
	if (slot > now) return { state: { ...s, dnc }, effects: [...effects, { type: "sleep", until: slot }] };
	effects.push({ type: "dial", job });
	return {
		state: {
			...s,
			live: job.kind === "new" ? s.live + 1 : s.live,
			pacer: paced(s.pacer, lim.callsPerSecond, slot, now),
			dnc: job.kind === "new" ? { ...dnc, left: dnc.left - 1 } : dnc,
		},
		effects,
	};
}

/** What one answer of the dialer to `POST /calls` means for the attempt. */
export type SendVerdict =
	| { type: "taken" }
	| { type: "failed"; reason: string }
	| { type: "retry"; at: number; tries: number };

/** `result` null: the request threw (network). The same call id is resent: a dialer that took it answers 409. */
export function afterSend(result: DialResult | null, sendTries: number, now: number): SendVerdict {
	if (result === null) return { type: "retry", at: now + 5000, tries: sendTries + 1 };
	if (result.ok || result.code === "CALL_EXISTS") return { type: "taken" };
	if (result.code === "REJECTED" || sendTries + 1 >= ENGINE.MAX_SEND_TRIES)
		return { type: "failed", reason: `dialer: ${result.message}`.slice(0, 300) };
	const backoff = Math.min(30_000, 1000 * 2 ** Math.min(sendTries, 5));
	return { type: "retry", at: now + backoff, tries: sendTries + 1 };
}

/**
 * Where a contact goes when one of its attempts ends with `outcome`: back to
 * pending after the retry delay, or done. Only the contact's current attempt
 * moves it (null otherwise); a canceled campaign never retries.
 */
export function afterOutcome(input: {
	retry: RetryPolicy;
	outcome: string;
	attempt: number;
	status: CampaignStatus;
	current: boolean;
	at: number;
}): { state: "pending"; nextAt: number; outcome: string } | { state: "done"; outcome: string } | null {
	if (!input.current) return null;
	const rule = input.retry[input.outcome as keyof RetryPolicy];
	if (input.status !== "canceled" && rule && input.attempt < rule.max_attempts)
		return { state: "pending", nextAt: input.at + rule.delay_s * 1000, outcome: input.outcome };
	return { state: "done", outcome: input.outcome };
}

/** How long after the dialer took a call it is given up as lost (its limits plus grace). */
export function lostAfterMs(ringTimeoutS: number, maxDurationS: number): number {
	return (ringTimeoutS + maxDurationS) * 1000 + ENGINE.LOST_GRACE_MS;
}

/** When the next alarm is needed, or null when nothing is waiting. */
export function nextWake(input: {
	now: number;
	status: CampaignStatus;
	window: CallingWindow | null;
	webhookAt: number | null;
	oldestLiveAt: number | null;
	lostAfterMs: number;
	resendAt: number | null;
	/** The earliest pending contact, null when none or when concurrency is full. */
	dueAt: number | null;
	nextSlot: number;
	/** The next fleet health check, while calls are pinned to dialers (a dead one is found in bounded time). */
	fleetCheckAt?: number | null;
}): number | null {
	const times: number[] = [];
	if (input.fleetCheckAt != null) times.push(input.fleetCheckAt);
	if (input.webhookAt !== null) times.push(input.webhookAt);
	if (input.oldestLiveAt !== null) times.push(input.oldestLiveAt + input.lostAfterMs);
	if (input.status === "running") {
		let t = Math.min(input.resendAt ?? Number.POSITIVE_INFINITY, input.dueAt ?? Number.POSITIVE_INFINITY);
		if (Number.isFinite(t)) {
			t = Math.max(t, input.nextSlot);
			if (input.window) t = nextOpen(input.window, Math.max(t, input.now)) ?? t;
			times.push(t);
		}
	}
	return times.length === 0 ? null : Math.max(input.now, Math.min(...times));
}

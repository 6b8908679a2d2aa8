import { DurableObject } from "cloudflare:workers";
import type { CampaignProgressEvent, CampaignStatus } from "@hatch/contract/campaign-events";
import { createDb } from "../src/db/client";
import {
	afterOutcome,
	afterSend,
	canDial,
	type DialState,
	ENGINE,
	emptyPacer,
	type Job,
	lostAfterMs,
	nextWake,
	type Pacer,
	perSecondCap,
	planDial,
	rebuildPacer,
} from "../src/domain/campaigns/engine";
import {
	type CampaignConfig,
	loadCampaignConfig,
	syncCampaignRow,
} from "../src/domain/campaigns/engine-config";
import {
	type CallRow,
	type CdrFilter,
	cdrView,
	engineCount,
	engineCounts,
	ensureEngineSchema,
	LIVE_SQL,
	listCdrs,
	RANK,
	TERMINAL,
} from "../src/domain/campaigns/engine-store";
import {
	deliverDueWebhooks,
	enqueueWebhook,
	nextWebhookAt,
	webhookCounts,
} from "../src/domain/campaigns/webhook-outbox";
import { listNumbers } from "../src/domain/contacts/lists";
import { loadDoNotCall } from "../src/domain/contacts/store";
import { dialerFleet, dialerFor } from "../src/domain/dialer";
import {
	type DialerView,
	FLEET,
	full,
	isDead,
	observed,
	pickDialer,
	took,
	unknownView,
} from "../src/domain/dialer/fleet";
import type { DialerEvent, DialTrunk } from "../src/domain/dialer/types";
import { decryptSecret } from "../src/domain/secrets/crypto";
import { createLogger } from "../src/lib/log";

export type { CampaignStatus } from "@hatch/contract/campaign-events";

const { TICK_BUDGET_MS, PROGRESS_EVERY_MS, DNC_BATCH } = ENGINE;
/** How far ahead of the clock #dialFor plans dials (each still leaves at its own slot). */
const LOOKAHEAD_MS = 100;
/** Due contacts read per query by #nextJob (one read per this many dials). */
const DUE_READ_AHEAD = 100;
/** What placing a call comes to when no dialer of the fleet has room or answers: try later. */
const NO_ROOM = { ok: false, code: "AT_CAPACITY", status: 503, message: "no dialer has room" } as const;

/**
 * Campaign, one per voice campaign. Copies the contact list into its SQLite
 * at start, then alarms dial it: at most `max_concurrent` live calls, one
 * call every 1/cps seconds (evenly spaced; a late timer catches up at most a tenth of a second), inside the
 * calling window, re-checking do-not-call before each dial. Each attempt has
 * a deterministic id `<campaign>:<contact>:<attempt>` written before the
 * dialer hears of it, so a restart resends the same id (the dialer answers
 * 409 for a call it already has) and never dials a person twice for one
 * attempt. Dialer events are applied once per (call_id, seq); outcomes drive
 * the retry policy, the CDR, signed webhooks and live progress.
 */
export class Campaign extends DurableObject<Env> {
	readonly #sql: SqlStorage;
	readonly #log = createLogger({ do: "Campaign" }, "info");
	#cfg: CampaignConfig | null = null;
	#trunk: DialTrunk | null = null;
	/** Calls whose POST to the dialer is in flight in this instance (not persisted on purpose). */
	readonly #sending = new Set<string>();
	#lastProgress = 0;
	/** Write-through copies of meta rows read on every dial and event (storage stays the truth). */
	#statusCache: CampaignStatus | null = null;
	#pacerCache: Pacer | null = null;
	/**
	 * Do-not-call answers for the next contacts due, from D1. A batch is
	 * re-read before the previous one runs out, in the background, so the
	 * dial loop never waits on D1 while the check stays at most a few
	 * hundred dials (a few seconds at 100 calls/s) old.
	 */
	#dnc: DialState["dnc"] = { covers: new Set(), blocked: new Set(), left: 0, at: 0, loading: false };
	/**
	 * When a queued call may next need a resend. 0 in a fresh instance, so
	 * calls left queued by an evicted one are found; lowered whenever a send fails.
	 */
	#resendDue = 0;
	#dncLoading: Promise<void> | null = null;
	/** Health and load of each dialer of the fleet, as this campaign last saw them. */
	#fleet: DialerView[] | null = null;
	#fleetAt = 0;
	#fleetChecking: Promise<void> | null = null;
	/** Calls ended as failed on a dialer that went silent: hung up there if it answers again (best effort). */
	readonly #abandoned = new Map<string, string[]>();
	/** True while an alarm is dialing: events then leave the bookkeeping to the end of the tick. */
	#ticking = false;
	/** The webhook delivery run in progress, if any (see #tick). */
	#webhooks: Promise<void> | null = null;
	/**
	 * Due contacts read ahead in one query (see #nextJob), with the attempt
	 * count each was read with: #createAttempt claims one only if it is still
	 * pending at that count, so a stale entry is skipped, never dialed twice.
	 */
	#due: { idx: number; number: string; attempts: number }[] = [];
	/** Calls the dialer took, marked dialing in one statement (see #flushTaken). */
	#taken: string[] = [];
	/** Whether the pacer changed since it was last stored (stored once per tick, see #pacer). */
	#pacerDirty = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => {
			ensureEngineSchema(this.#sql);
		});
	}

	/** Starts a draft campaign: snapshots its settings and contacts, then dials from the next alarm. */
	async start(campaignId: string): Promise<{ status: CampaignStatus; counts: Record<string, number> }> {
		if (this.#status() === "draft") {
			const cfg = await loadCampaignConfig(this.env, campaignId);
			let after = 0;
			// Pages of 5,000: a 100,000-contact list is 20 reads.
			const db = createDb(this.env.DB);
			for (;;) {
				const page = await listNumbers(db, cfg.listId, 5000, after);
				for (const r of page)
					this.#sql.exec("INSERT OR IGNORE INTO contacts (idx, number) VALUES (?, ?)", r.id, r.number);
				if (page.length < 5000) break;
				after = page.at(-1)?.id ?? after;
			}
			this.#setMeta("config", cfg);
			this.#cfg = cfg;
			await this.#transition("running", "campaign.started");
		}
		return { status: this.#status(), counts: engineCounts(this.#sql) };
	}

	async pause(): Promise<{ status: CampaignStatus }> {
		if (this.#status() === "running") await this.#transition("paused", "campaign.paused");
		return { status: this.#status() };
	}

	async resume(): Promise<{ status: CampaignStatus }> {
		if (this.#status() === "paused") await this.#transition("running", "campaign.resumed");
		return { status: this.#status() };
	}

	/** Stops dialing, hangs up live calls and marks everyone not yet done as canceled. */
	async cancel(): Promise<{ status: CampaignStatus }> {
		const s = this.#status();
		if (s !== "running" && s !== "paused") return { status: s };
		const now = Date.now();
		this.#flushTaken();
		this.#sql.exec("UPDATE contacts SET state = 'done', outcome = 'canceled' WHERE state = 'pending'");
		const queued = this.#sql
			.exec<{ call_id: string }>("SELECT call_id FROM calls WHERE state = 'queued'")
			.toArray();
		for (const q of queued)
			if (!this.#sending.has(q.call_id))
				this.#finish(q.call_id, "canceled", { reason: "campaign canceled", at: now });
		const live = this.#sql
			.exec<{ call_id: string; dialer: string | null }>(
				`SELECT call_id, dialer FROM calls WHERE state IN ${LIVE_SQL}`,
			)
			.toArray();
		await this.#transition("canceled", "campaign.canceled");
		// Each to the dialer it is pinned to. Their `canceled` events arrive later and are applied like any other.
		await Promise.allSettled(
			live.map((c) => dialerFor(this.env, c.dialer ?? undefined).cancelCall(c.call_id)),
		);
		return { status: this.#status() };
	}

	/** Status and counts by state. */
	async getStatus() {
		return { status: this.#status(), counts: engineCounts(this.#sql), webhooks: webhookCounts(this.#sql) };
	}

	async listCalls(filter: CdrFilter) {
		return listCdrs(this.#sql, filter);
	}

	/**
	 * Applies a batch of dialer events in order, then does the bookkeeping
	 * once. A (call_id, seq) already applied counts as a duplicate; unknown
	 * calls are acknowledged and ignored.
	 */
	async onDialerEvents(evs: DialerEvent[]): Promise<{ duplicates: number; applied: number }> {
		let duplicates = 0;
		let applied = 0;
		let ended = false;
		for (const ev of evs) {
			const r = this.#applyEvent(ev);
			if (r.duplicate) duplicates++;
			if (r.applied) applied++;
			ended ||= r.ended;
		}
		// A running tick re-checks everything when it ends; at 100 calls/s the per-event
		// alarm bookkeeping would otherwise compete with dialing for the one thread.
		if (ended && !this.#ticking) await this.#afterChange();
		return { duplicates, applied };
	}

	#applyEvent(ev: DialerEvent): { duplicate: boolean; applied: boolean; ended: boolean } {
		const fresh =
			this.#sql.exec("INSERT OR IGNORE INTO seen (call_id, seq) VALUES (?, ?)", ev.call_id, ev.seq)
				.rowsWritten > 0;
		if (!fresh) return { duplicate: true, applied: false, ended: false };
		const call = this.#call(ev.call_id);
		if (!call || TERMINAL.has(call.state)) return { duplicate: false, applied: false, ended: false };
		const at = Date.parse(ev.at) || Date.now();
		switch (ev.type) {
			case "dtmf":
				this.#sql.exec(
					"UPDATE calls SET dtmf = dtmf || ?, last_seq = MAX(last_seq, ?) WHERE call_id = ?",
					(ev.digit ?? "").slice(0, 1),
					ev.seq,
					ev.call_id,
				);
				break;
			case "trying":
			case "ringing":
			case "early_media":
			case "answered": {
				// One statement: the state only moves forward; answered also stamps its time and code.
				// The CDR's start is the dialer's own time for its INVITE (trying), not when POST /calls
				// returned here, which can come after a fast failure's end.
				const forward = (RANK[ev.type] ?? 0) > (RANK[call.state] ?? 0);
				const answered = ev.type === "answered";
				this.#sql.exec(
					`UPDATE calls SET last_seq = MAX(last_seq, ?1),
					 state = CASE WHEN ?2 THEN ?3 ELSE state END,
					 dialed_at = CASE WHEN ?3 = 'trying' THEN ?4 WHEN ?2 THEN COALESCE(dialed_at, ?4) ELSE dialed_at END,
					 answered_at = CASE WHEN ?5 THEN COALESCE(answered_at, ?4) ELSE answered_at END,
					 sip_code = CASE WHEN ?5 THEN COALESCE(?6, sip_code) ELSE sip_code END
					 WHERE call_id = ?7`,
					ev.seq,
					forward ? 1 : 0,
					ev.type,
					at,
					answered ? 1 : 0,
					ev.sip_code ?? null,
					ev.call_id,
				);
				break;
			}
			default:
				this.#finish(ev.call_id, ev.type, { ...ev, at }, call);
				return { duplicate: false, applied: true, ended: true };
		}
		return { duplicate: false, applied: true, ended: false };
	}

	override async alarm(): Promise<void> {
		try {
			await this.#tick();
		} catch (err) {
			this.#log.error("Campaign.alarm failed", { error: (err as Error).message });
			await this.ctx.storage.setAlarm(Date.now() + 5000);
		}
	}

	// ---- engine -------------------------------------------------------------

	async #tick(): Promise<void> {
		const cfg = this.#config();
		if (!cfg) return;
		// One delivery run at a time: a run awaiting its fetches must not be joined by a second that
		// selects the same due rows (an alarm can start while another awaits I/O), or a webhook goes twice.
		if (!this.#webhooks && cfg.webhookUrl && cfg.webhookSecretEnc)
			this.#webhooks = deliverDueWebhooks(this.#sql, this.env, {
				url: cfg.webhookUrl,
				secretEnc: cfg.webhookSecretEnc,
			}).finally(() => {
				this.#webhooks = null;
			});
		const webhooks = this.#webhooks;
		await this.#checkLost(cfg);
		await this.#checkFleet(Date.now());
		if (canDial(this.#status(), cfg.window, Date.now())) {
			this.#ticking = true;
			try {
				await this.#dialFor(cfg, TICK_BUDGET_MS);
			} finally {
				this.#ticking = false;
			}
		}
		await webhooks;
		await this.#afterChange();
	}

	/** Dials for up to `budgetMs`, performing what the engine plans for each due job (see planDial). */
	/**
	 * Dials are planned up to LOOKAHEAD_MS ahead, each at its own slot: the
	 * attempts of one wake-up are written together (one storage commit, which
	 * the Durable Object's output gate waits for before any request leaves),
	 * and each POST /calls then leaves on a timer at its slot, so the spacing
	 * does not depend on when commits land.
	 */
	async #dialFor(cfg: CampaignConfig, budgetMs: number): Promise<void> {
		const until = Date.now() + budgetMs;
		const sends: Promise<void>[] = [];
		let dncReads = 0;
		/** The slot being planned (ahead of the clock), or 0. */
		let planAt = 0;
		for (;;) {
			const real = Date.now();
			const now = Math.max(real, planAt);
			if (now - this.#fleetAt >= FLEET.HEALTH_EVERY_MS && !this.#fleetChecking)
				this.#checkFleet(now).catch((err: Error) =>
					this.#log.warn("Campaign.checkFleet failed", { error: err.message }),
				);
			const job = this.#status() === "running" ? this.#nextJob(now) : null;
			const before: DialState = {
				status: this.#status(),
				live: job?.kind === "new" ? this.#liveCount() : 0,
				pacer: this.#pacer(),
				dnc: this.#dnc,
			};
			// After two reads for one job the number is dialed on the freshest answer there is.
			const step = planDial(before, cfg, job, now, until, dncReads >= 2);
			this.#dnc = step.state.dnc;
			if (step.state.pacer !== before.pacer) {
				this.#pacerCache = step.state.pacer;
				this.#pacerDirty = true;
			}
			let stop = false;
			for (const e of step.effects) {
				if (e.type === "stop") stop = true;
				else if (e.type === "load_dnc") {
					dncReads++;
					this.#flushTaken();
					await (this.#dncLoading ?? this.#loadDnc(cfg, now));
				} else if (e.type === "prefetch_dnc")
					this.#loadDnc(cfg, now).catch((err: Error) =>
						this.#log.warn("Campaign.loadDnc failed", { error: err.message }),
					);
				else if (e.type === "do_not_call") {
					dncReads = 0;
					this.#due = this.#due.filter((d) => d.idx !== e.idx);
					this.#sql.exec(
						"UPDATE contacts SET state = 'done', outcome = 'do_not_call' WHERE idx = ? AND state = 'pending'",
						e.idx,
					);
				} else if (e.type === "sleep") {
					if (e.until <= real + LOOKAHEAD_MS) planAt = e.until;
					else {
						this.#flushTaken();
						await new Promise((r) => setTimeout(r, e.until - LOOKAHEAD_MS - real));
					}
				} else {
					dncReads = 0;
					if (e.job.kind === "resend") sends.push(this.#sendAt(cfg, now, e.job.callId));
					else {
						const created = this.#createAttempt(cfg, e.job, now);
						if (created) sends.push(this.#sendAt(cfg, now, created.call_id, created));
					}
				}
			}
			if (stop) break;
		}
		this.#storePacer();
		await Promise.all(sends);
		this.#flushTaken();
	}

	/**
	 * Sends a planned call at `at`. Until then it counts as being sent (fleet
	 * checks and cancel leave it alone); if the campaign stopped meanwhile it is
	 * canceled, or left queued for the resend path when paused.
	 */
	async #sendAt(
		cfg: CampaignConfig,
		at: number,
		callId: string,
		known?: Pick<CallRow, "number" | "state" | "send_tries" | "dialer">,
	): Promise<void> {
		this.#sending.add(callId);
		const wait = at - Date.now();
		if (wait > 0) await new Promise((r) => setTimeout(r, wait));
		this.#sending.delete(callId);
		const status = this.#status();
		if (status === "canceled")
			this.#finish(callId, "canceled", { reason: "campaign canceled", at: Date.now() });
		else if (status !== "running") this.#resendDue = 0;
		else await this.#send(cfg, callId, known);
	}

	/** Marks the calls the dialer took as dialing, together (one commit, not one per answer). */
	#flushTaken(): void {
		if (this.#taken.length === 0) return;
		const ids = this.#taken;
		this.#taken = [];
		this.#sql.exec(
			"UPDATE calls SET state = 'dialing', dialed_at = COALESCE(dialed_at, ?1) WHERE state = 'queued' AND call_id IN (SELECT value FROM json_each(?2))",
			Date.now(),
			JSON.stringify(ids),
		);
	}

	/** Re-reads do-not-call for the next DNC_BATCH due contacts (see `dnc`). */
	#loadDnc(cfg: CampaignConfig, now: number): Promise<void> {
		const upcoming = this.#sql
			.exec<{ number: string }>(
				"SELECT number FROM contacts WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, idx LIMIT ?",
				now,
				DNC_BATCH,
			)
			.toArray()
			.map((r) => r.number);
		const at = Date.now();
		this.#dnc = { ...this.#dnc, loading: true };
		const loading = loadDoNotCall(this.env.DB, cfg.ownerId, upcoming)
			.then((blocked) => {
				this.#dnc = { covers: new Set(upcoming), blocked, left: upcoming.length, at, loading: false };
			})
			.finally(() => {
				if (this.#dncLoading === loading) {
					this.#dncLoading = null;
					this.#dnc = { ...this.#dnc, loading: false };
				}
			});
		this.#dncLoading = loading;
		return loading;
	}

	/** The next thing to dial: a call the dialer has not yet taken, else a due contact. */
	#nextJob(now: number): Job | null {
		if (now >= this.#resendDue) {
			this.#flushTaken();
			for (const r of this.#sql.exec<{ call_id: string }>(
				"SELECT call_id FROM calls WHERE state = 'queued' AND COALESCE(send_at, 0) <= ? ORDER BY created_at LIMIT 50",
				now,
			)) {
				if (!this.#sending.has(r.call_id)) return { kind: "resend", callId: r.call_id };
			}
			// Nothing to resend now: look again when the earliest backoff ends (send() pulls this
			// earlier when a send fails). Calls in `sending` settle through send() itself.
			this.#resendDue =
				this.#sql
					.exec<{ t: number | null }>(
						"SELECT MIN(send_at) AS t FROM calls WHERE state = 'queued' AND send_at > ?",
						now,
					)
					.one().t ?? Number.POSITIVE_INFINITY;
		}
		if (this.#due.length === 0)
			this.#due = this.#sql
				.exec<{ idx: number; number: string; attempts: number }>(
					"SELECT idx, number, attempts FROM contacts WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, idx LIMIT ?",
					now,
					DUE_READ_AHEAD,
				)
				.toArray();
		const c = this.#due[0];
		return c ? { kind: "new", idx: c.idx, number: c.number } : null;
	}

	/**
	 * Persists the attempt before the dialer hears of it: the id is what makes a
	 * resend safe. The contact is claimed only while still pending at the attempt
	 * count it was read with; the dialer is picked and pinned in the same row.
	 */
	#createAttempt(cfg: CampaignConfig, { idx, number }: Extract<Job, { kind: "new" }>, now: number) {
		const read = this.#due[0]?.idx === idx ? this.#due.shift() : undefined;
		if (!read) return null;
		const attempt = read.attempts + 1;
		const callId = `${cfg.campaignId}:${idx}:${attempt}`;
		const claimed = this.#sql.exec(
			"UPDATE contacts SET state = 'calling', attempts = ?1, call_id = ?2 WHERE idx = ?3 AND state = 'pending' AND attempts = ?4",
			attempt,
			callId,
			idx,
			read.attempts,
		).rowsWritten;
		if (claimed === 0) return null;
		const dialer = pickDialer(this.#fleet ?? []);
		if (dialer) this.#fleet = (this.#fleet ?? []).map((v) => (v.name === dialer ? took(v) : v));
		this.#sql.exec(
			"INSERT OR IGNORE INTO calls (call_id, idx, number, attempt, state, created_at, dialer) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
			callId,
			idx,
			number,
			attempt,
			now,
			dialer,
		);
		return { call_id: callId, number, state: "queued", send_tries: 0, dialer };
	}

	/** `known`: the row just written by #createAttempt (saves reading it back). */
	async #send(
		cfg: CampaignConfig,
		callId: string,
		known?: Pick<CallRow, "number" | "state" | "send_tries" | "dialer">,
	): Promise<void> {
		const call = known ?? this.#call(callId);
		if (call?.state !== "queued") return;
		this.#sending.add(callId);
		try {
			this.#trunk ??= {
				...cfg.trunk,
				...(cfg.trunkPasswordEnc
					? { password: await decryptSecret(this.env.SECRETS_KEY, cfg.trunkPasswordEnc) }
					: {}),
			};
			// A call stays with the dialer that may have it; a new one goes where there is most room.
			const name = call.dialer ?? pickDialer(this.#fleet ?? []);
			if (!name) {
				this.#applySend(callId, afterSend(NO_ROOM, call.send_tries, Date.now()));
				return;
			}
			if (!call.dialer) {
				// Pinned before the dialer hears of it, like the call id: a resend goes to the same one.
				this.#sql.exec("UPDATE calls SET dialer = ? WHERE call_id = ?", name, callId);
				this.#fleet = (this.#fleet ?? []).map((v) => (v.name === name ? took(v) : v));
			}
			const result = await dialerFor(this.env, name).createCall({
				call_id: callId,
				to: call.number,
				trunk: this.#trunk,
				audio: { url: cfg.soundUrl },
				ring_timeout_s: cfg.ringTimeoutS,
				max_duration_s: cfg.maxDurationS,
				callback_url: cfg.callbackUrl,
				// The dialer holds to the rate too: transit jitter must not bunch INVITEs on the wire.
				rate: { key: cfg.campaignId, calls_per_second: cfg.callsPerSecond },
				...(cfg.amd ? { amd: cfg.amd } : {}),
			});
			// Refused for room: it certainly does not have the call, so the resend may go to another.
			if (!result.ok && result.code === "AT_CAPACITY") {
				this.#sql.exec("UPDATE calls SET dialer = NULL WHERE call_id = ? AND state = 'queued'", callId);
				this.#fleet = (this.#fleet ?? []).map((v) => (v.name === name ? full(v) : v));
			}
			this.#applySend(callId, afterSend(result, call.send_tries, Date.now()));
		} catch (err) {
			this.#log.warn("Campaign.send failed", { callId, error: (err as Error).message });
			this.#applySend(callId, afterSend(null, call.send_tries, Date.now()));
		} finally {
			this.#sending.delete(callId);
		}
	}

	#applySend(callId: string, v: ReturnType<typeof afterSend>): void {
		const now = Date.now();
		// A call left queued by a lost flush is resent after a restart, and the dialer answers 409: taken.
		if (v.type === "taken") {
			this.#taken.push(callId);
			if (this.#taken.length >= 200 || !this.#ticking) this.#flushTaken();
		} else if (v.type === "failed") this.#finish(callId, "failed", { reason: v.reason, at: now });
		else {
			// Same call id next time: if the dialer did take it after all, it answers 409.
			this.#sql.exec("UPDATE calls SET send_tries = ?, send_at = ? WHERE call_id = ?", v.tries, v.at, callId);
			this.#resendDue = Math.min(this.#resendDue, v.at);
		}
	}

	/** Ends an attempt once; applies the retry policy to its contact; queues the webhook. */
	#finish(
		callId: string,
		outcome: string,
		ev: Omit<Partial<DialerEvent>, "at"> & { at: number },
		known?: CallRow,
	): void {
		const call = known ?? this.#call(callId);
		if (!call || TERMINAL.has(call.state)) return;
		this.#sql.exec(
			`UPDATE calls SET state = ?, outcome = ?, ended_at = ?, sip_code = COALESCE(?, sip_code), reason = COALESCE(?, reason),
			 ring_ms = COALESCE(?, ring_ms), talk_ms = COALESCE(?, talk_ms), billed_s = COALESCE(?, billed_s, 0),
			 amd = COALESCE(?, amd), amd_ms = COALESCE(?, amd_ms), last_seq = MAX(last_seq, ?) WHERE call_id = ?`,
			outcome,
			outcome,
			ev.at,
			ev.sip_code ?? null,
			ev.reason ?? null,
			ev.ring_ms ?? null,
			ev.talk_ms ?? null,
			ev.billed_s ?? null,
			ev.amd ?? null,
			ev.amd_ms ?? null,
			ev.seq ?? 0,
			callId,
		);
		const cfg = this.#config();
		// Only the contact's current attempt moves it: each write below holds only while
		// the contact still points at this call (afterOutcome's `current`, checked by the row).
		const next = afterOutcome({
			retry: cfg?.retry ?? {},
			outcome,
			attempt: call.attempt,
			status: this.#status(),
			current: true,
			at: ev.at,
		});
		if (next?.state === "pending")
			this.#sql.exec(
				"UPDATE contacts SET state = 'pending', next_at = ?, outcome = ? WHERE idx = ? AND call_id = ?",
				next.nextAt,
				next.outcome,
				call.idx,
				callId,
			);
		else if (next)
			this.#sql.exec(
				"UPDATE contacts SET state = 'done', outcome = ? WHERE idx = ? AND call_id = ?",
				next.outcome,
				call.idx,
				callId,
			);
		const done = cfg?.webhookUrl ? this.#call(callId) : undefined;
		if (done && cfg?.webhookUrl)
			enqueueWebhook(this.#sql, "call.completed", { campaign_id: cfg.campaignId, ...cdrView(done) });
	}

	/**
	 * For tests (inside runInDurableObject): the fleet check, now, however
	 * recently the last one ran, and the next alarm checks again. Returns the
	 * dialers' views themselves, so a test can move their clocks. Not RPC:
	 * statics are not on the stub.
	 */
	static async checkFleetNow(campaign: Campaign, now: number): Promise<DialerView[]> {
		campaign.#fleetAt = 0;
		await campaign.#checkFleet(now);
		campaign.#fleetAt = 0;
		return campaign.#fleet ?? [];
	}

	/**
	 * Re-reads every dialer's health (at most every FLEET.HEALTH_EVERY_MS), then
	 * resolves the calls pinned to a dialer that has stopped answering: they end
	 * as failed with the reason (the retry policy may then make a new attempt,
	 * on another dialer). Calls not yet pinned simply go to the others.
	 */
	async #checkFleet(now: number): Promise<void> {
		if (this.#fleetChecking) return this.#fleetChecking;
		if (this.#fleet && now - this.#fleetAt < FLEET.HEALTH_EVERY_MS) return;
		this.#fleetAt = now;
		const check = (async () => {
			const names = dialerFleet(this.env);
			const before = new Map((this.#fleet ?? []).map((v) => [v.name, v]));
			const health = await Promise.all(
				names.map((n) =>
					dialerFor(this.env, n, { health: true })
						.health()
						.catch(() => null),
				),
			);
			const at = Date.now();
			this.#fleet = names.map((n, i) => observed(before.get(n) ?? unknownView(n), health[i] ?? null, at));
			for (const v of this.#fleet) {
				const gone = this.#abandoned.get(v.name);
				if (gone && v.failingSince === null) {
					// It was only unreachable: its copies of calls already recorded as failed must not go on.
					this.#abandoned.delete(v.name);
					await Promise.allSettled(gone.map((id) => dialerFor(this.env, v.name).cancelCall(id)));
				}
				if (!isDead(v, at)) continue;
				const pinned = this.#sql
					.exec<{ call_id: string }>(
						`SELECT call_id FROM calls WHERE dialer = ? AND state IN ${LIVE_SQL} LIMIT 500`,
						v.name,
					)
					.toArray()
					.filter((c) => !this.#sending.has(c.call_id));
				if (pinned.length > 0)
					this.#abandoned.set(v.name, [
						...(this.#abandoned.get(v.name) ?? []),
						...pinned.map((c) => c.call_id),
					]);
				for (const c of pinned)
					this.#finish(c.call_id, "failed", {
						reason: `dialer ${v.name} stopped answering for ${Math.round((at - (v.failingSince ?? at)) / 1000)} s`,
						at,
					});
			}
		})().finally(() => {
			this.#fleetChecking = null;
		});
		this.#fleetChecking = check;
		return check;
	}

	/** Gives up on calls the dialer took but never finished (it crashed, or its events were lost). */
	async #checkLost(cfg: CampaignConfig): Promise<void> {
		const cutoff = Date.now() - lostAfterMs(cfg.ringTimeoutS, cfg.maxDurationS);
		const lost = this.#sql
			.exec<{ call_id: string }>(
				`SELECT call_id FROM calls WHERE state IN ${LIVE_SQL} AND state != 'queued' AND dialed_at < ? LIMIT 50`,
				cutoff,
			)
			.toArray();
		for (const l of lost)
			this.#finish(l.call_id, "failed", { reason: "no result from the dialer", at: Date.now() });
	}

	/** Completion check, D1 row, progress push and the next alarm. */
	async #afterChange(): Promise<void> {
		const s = this.#status();
		if (s === "running") {
			// Uses the (state, next_at) index: no scan of a 100,000-contact table per event.
			const open = this.#sql
				.exec("SELECT 1 FROM contacts WHERE state IN ('pending', 'calling') LIMIT 1")
				.toArray().length;
			if (open === 0) await this.#transition("completed", "campaign.completed");
		}
		const now = Date.now();
		if (now - this.#lastProgress >= PROGRESS_EVERY_MS) {
			this.#lastProgress = now;
			await this.#pushProgress();
		}
		await this.#scheduleNext(now);
	}

	async #scheduleNext(now: number): Promise<void> {
		const cfg = this.#config();
		if (!cfg) return;
		const running = this.#status() === "running";
		const at = nextWake({
			now,
			status: this.#status(),
			window: cfg.window,
			webhookAt: cfg.webhookUrl ? nextWebhookAt(this.#sql) : null,
			oldestLiveAt: this.#sql
				.exec<{ t: number | null }>(
					`SELECT MIN(dialed_at) AS t FROM calls WHERE state IN ${LIVE_SQL} AND state != 'queued'`,
				)
				.one().t,
			lostAfterMs: lostAfterMs(cfg.ringTimeoutS, cfg.maxDurationS),
			resendAt: running
				? this.#sql
						.exec<{ t: number | null }>(
							"SELECT MIN(COALESCE(send_at, 0)) AS t FROM calls WHERE state = 'queued'",
						)
						.one().t
				: null,
			dueAt:
				running && this.#liveCount() < cfg.maxConcurrent
					? this.#sql
							.exec<{ t: number | null }>("SELECT MIN(next_at) AS t FROM contacts WHERE state = 'pending'")
							.one().t
					: null,
			nextSlot: this.#pacer().nextSlot,
			fleetCheckAt: this.#liveCount() > 0 ? this.#fleetAt + FLEET.HEALTH_EVERY_MS : null,
		});
		if (at === null) return;
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > at || current < now) await this.ctx.storage.setAlarm(at);
	}

	async #transition(to: CampaignStatus, event: string): Promise<void> {
		const from = this.#status();
		this.#setMeta("status", to);
		this.#statusCache = to;
		const cfg = this.#config();
		if (!cfg) return;
		const counts = engineCounts(this.#sql);
		if (cfg.webhookUrl)
			enqueueWebhook(this.#sql, event, { campaign_id: cfg.campaignId, status: to, previous: from, counts });
		await syncCampaignRow(this.env, cfg.campaignId, to, counts);
		await this.#pushProgress();
		await this.#scheduleNext(Date.now());
		if (to === "running") await this.ctx.storage.setAlarm(Date.now());
	}

	async #pushProgress(): Promise<void> {
		const cfg = this.#config();
		if (!cfg) return;
		try {
			const hub = this.env.USER_HUB.get(this.env.USER_HUB.idFromName(cfg.ownerId)) as unknown as {
				pushEvent(e: Record<string, unknown>): Promise<unknown>;
			};
			await hub.pushEvent({
				type: "campaign.progress",
				campaign_id: cfg.campaignId,
				status: this.#status(),
				counts: engineCounts(this.#sql),
			} satisfies CampaignProgressEvent);
		} catch (err) {
			// Progress is best effort; the status endpoint is the source of truth.
			this.#log.warn("Campaign.pushProgress failed", { error: (err as Error).message });
		}
	}

	// ---- small helpers ------------------------------------------------------

	#status(): CampaignStatus {
		this.#statusCache ??= this.#getMeta<CampaignStatus>("status") ?? "draft";
		return this.#statusCache;
	}

	/**
	 * The pacer. It is stored once per tick, not per dial; a fresh instance
	 * (after an eviction mid-tick) rebuilds what it lost from the newest
	 * attempts' creation times, so a restart never dials over the rate.
	 */
	#pacer(): Pacer {
		if (this.#pacerCache) return this.#pacerCache;
		const stored = this.#getMeta<Pacer>("pacer") ?? {
			...emptyPacer(),
			nextSlot: this.#getMeta<number>("next_slot") ?? 0,
		};
		const cps = this.#config()?.callsPerSecond ?? 1;
		const newest = this.#sql
			.exec<{ t: number }>("SELECT created_at AS t FROM calls ORDER BY rowid DESC LIMIT ?", perSecondCap(cps))
			.toArray()
			.map((r) => r.t);
		this.#pacerCache = rebuildPacer(stored, newest, cps);
		return this.#pacerCache;
	}

	#storePacer(): void {
		if (!this.#pacerDirty || !this.#pacerCache) return;
		this.#pacerDirty = false;
		this.#setMeta("pacer", this.#pacerCache);
	}

	#config(): CampaignConfig | null {
		this.#cfg ??= this.#getMeta<CampaignConfig>("config");
		return this.#cfg;
	}

	#call(callId: string): CallRow | undefined {
		return this.#sql.exec<CallRow>("SELECT * FROM calls WHERE call_id = ?", callId).toArray()[0];
	}

	#liveCount(): number {
		return engineCount(this.#sql, "in_flight");
	}

	#getMeta<T>(k: string): T | null {
		const row = this.#sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0];
		return row ? (JSON.parse(row.v) as T) : null;
	}

	#setMeta(k: string, v: unknown): void {
		this.#sql.exec(
			"INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
			k,
			JSON.stringify(v),
		);
	}
}

import { DurableObject } from "cloudflare:workers";
import type { CampaignProgressEvent, CampaignStatus } from "@hatch/contract/campaign-events";
import {
	type CampaignConfig,
	loadCampaignConfig,
	syncCampaignRow,
} from "../src/domain/campaigns/engine-config";
import {
	type CallRow,
	type CdrFilter,
	cdrView,
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
import { isOpen, nextOpen } from "../src/domain/campaigns/window";
import { loadDoNotCall } from "../src/domain/contacts/store";
import { dialerFor } from "../src/domain/dialer";
import type { DialerEvent, DialTrunk } from "../src/domain/dialer/types";
import { decryptSecret } from "../src/domain/secrets/crypto";
import { createLogger } from "../src/lib/log";

export type { CampaignStatus } from "@hatch/contract/campaign-events";

/** How long one alarm keeps dialing before handing over to the next alarm. */
const TICK_BUDGET_MS = 10_000;
/** Progress events to the owner's devices, at most one per this many ms while dialing. */
const PROGRESS_EVERY_MS = 1000;
/** A call the dialer accepted but never finished is given up after its limits plus this. */
const LOST_GRACE_MS = 120_000;
/** Resends of a call the dialer could not take (capacity, network) before the attempt fails. */
const MAX_SEND_TRIES = 20;
/** Do-not-call is read for this many upcoming contacts at a time... */
const DNC_BATCH = 300;
/** ...and the next batch is fetched once this many of the current one are left to dial. */
const DNC_PREFETCH_AT = 150;
/** An answer older than this is never used: the number is re-read first. */
const DNC_MAX_AGE_MS = 5000;

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
	private readonly sql: SqlStorage;
	private readonly log = createLogger({ do: "Campaign" }, "info");
	private cfg: CampaignConfig | null = null;
	private trunk: DialTrunk | null = null;
	/** Calls whose POST to the dialer is in flight in this instance (not persisted on purpose). */
	private readonly sending = new Set<string>();
	private lastProgress = 0;
	/** Write-through copies of meta rows read on every dial and event (storage stays the truth). */
	private statusCache: CampaignStatus | null = null;
	private nextSlot: number | null = null;
	/**
	 * Do-not-call answers for the next contacts due, from D1. A batch is
	 * re-read before the previous one runs out, in the background, so the
	 * dial loop never waits on D1 while the check stays at most a few
	 * hundred dials (a few seconds at 100 calls/s) old.
	 */
	private dnc = new Set<string>();
	private dncFor = new Set<string>();
	private dncLeft = 0;
	private dncAt = 0;
	/**
	 * When a queued call may next need a resend. 0 in a fresh instance, so
	 * calls left queued by an evicted one are found; lowered whenever a send fails.
	 */
	private resendDue = 0;
	private dncLoading: Promise<void> | null = null;
	/** True while an alarm is dialing: events then leave the bookkeeping to the end of the tick. */
	private ticking = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.sql = ctx.storage.sql;
		ctx.blockConcurrencyWhile(async () => {
			ensureEngineSchema(this.sql);
		});
	}

	/** Starts a draft campaign: snapshots its settings and contacts, then dials from the next alarm. */
	async start(campaignId: string): Promise<{ status: CampaignStatus; counts: Record<string, number> }> {
		if (this.status() === "draft") {
			const cfg = await loadCampaignConfig(this.env, campaignId);
			let after = 0;
			// Pages of 5,000: a 100,000-contact list is 20 reads.
			for (;;) {
				const page = await this.env.DB.prepare(
					"SELECT id, number FROM contacts WHERE list_id = ?1 AND id > ?2 ORDER BY id LIMIT 5000",
				)
					.bind(cfg.listId, after)
					.all<{ id: number; number: string }>();
				for (const r of page.results)
					this.sql.exec("INSERT OR IGNORE INTO contacts (idx, number) VALUES (?, ?)", r.id, r.number);
				if (page.results.length < 5000) break;
				after = page.results.at(-1)?.id ?? after;
			}
			this.setMeta("config", cfg);
			this.cfg = cfg;
			await this.transition("running", "campaign.started");
		}
		return { status: this.status(), counts: engineCounts(this.sql) };
	}

	async pause(): Promise<{ status: CampaignStatus }> {
		if (this.status() === "running") await this.transition("paused", "campaign.paused");
		return { status: this.status() };
	}

	async resume(): Promise<{ status: CampaignStatus }> {
		if (this.status() === "paused") await this.transition("running", "campaign.resumed");
		return { status: this.status() };
	}

	/** Stops dialing, hangs up live calls and marks everyone not yet done as canceled. */
	async cancel(): Promise<{ status: CampaignStatus }> {
		const s = this.status();
		if (s !== "running" && s !== "paused") return { status: s };
		const now = Date.now();
		this.sql.exec("UPDATE contacts SET state = 'done', outcome = 'canceled' WHERE state = 'pending'");
		const queued = this.sql
			.exec<{ call_id: string }>("SELECT call_id FROM calls WHERE state = 'queued'")
			.toArray();
		for (const q of queued)
			if (!this.sending.has(q.call_id))
				this.finish(q.call_id, "canceled", { reason: "campaign canceled", at: now });
		const live = this.sql
			.exec<{ call_id: string }>(`SELECT call_id FROM calls WHERE state IN ${LIVE_SQL}`)
			.toArray();
		await this.transition("canceled", "campaign.canceled");
		const dialer = dialerFor(this.env);
		// Their `canceled` events arrive later and are applied like any other.
		await Promise.allSettled(live.map((c) => dialer.cancelCall(c.call_id)));
		return { status: this.status() };
	}

	/** Status and counts by state. */
	async getStatus() {
		return { status: this.status(), counts: engineCounts(this.sql), webhooks: webhookCounts(this.sql) };
	}

	async listCalls(filter: CdrFilter) {
		return listCdrs(this.sql, filter);
	}

	/**
	 * Applies one dialer event. Returns `duplicate: true` for a (call_id, seq)
	 * already applied; unknown calls are acknowledged and ignored.
	 */
	async onDialerEvent(ev: DialerEvent): Promise<{ duplicate: boolean; applied: boolean }> {
		const fresh =
			this.sql.exec("INSERT OR IGNORE INTO seen (call_id, seq) VALUES (?, ?)", ev.call_id, ev.seq)
				.rowsWritten > 0;
		if (!fresh) return { duplicate: true, applied: false };
		const call = this.call(ev.call_id);
		if (!call || TERMINAL.has(call.state)) return { duplicate: false, applied: false };
		const at = Date.parse(ev.at) || Date.now();
		switch (ev.type) {
			case "dtmf":
				this.sql.exec(
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
				this.sql.exec(
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
				this.sql.exec("UPDATE calls SET last_seq = MAX(last_seq, ?) WHERE call_id = ?", ev.seq, ev.call_id);
				this.finish(ev.call_id, ev.type, { ...ev, at }, call);
				// A running tick re-checks everything when it ends; at 100 calls/s the per-event
				// alarm bookkeeping would otherwise compete with dialing for the one thread.
				if (!this.ticking) await this.afterChange();
		}
		return { duplicate: false, applied: true };
	}

	override async alarm(): Promise<void> {
		try {
			await this.tick();
		} catch (err) {
			this.log.error("Campaign.alarm failed", { error: (err as Error).message });
			await this.ctx.storage.setAlarm(Date.now() + 5000);
		}
	}

	// ---- engine -------------------------------------------------------------

	private async tick(): Promise<void> {
		const cfg = this.config();
		if (!cfg) return;
		const webhooks =
			cfg.webhookUrl && cfg.webhookSecretEnc
				? deliverDueWebhooks(this.sql, this.env, { url: cfg.webhookUrl, secretEnc: cfg.webhookSecretEnc })
				: null;
		await this.checkLost(cfg);
		if (this.status() === "running" && (!cfg.window || isOpen(cfg.window, Date.now()))) {
			this.ticking = true;
			try {
				await this.dialFor(cfg, TICK_BUDGET_MS);
			} finally {
				this.ticking = false;
			}
		}
		await webhooks;
		await this.afterChange();
	}

	/** Dials for up to `budgetMs`, one call per rate slot, while slots and due contacts remain. */
	private async dialFor(cfg: CampaignConfig, budgetMs: number): Promise<void> {
		const interval = 1000 / cfg.callsPerSecond;
		const burst = Math.max(0, Math.ceil(cfg.callsPerSecond / 10) - 1);
		const until = Date.now() + budgetMs;
		const sends: Promise<void>[] = [];
		while (this.status() === "running") {
			let now = Date.now();
			const job = this.nextJob(now);
			if (!job) break;
			// A resend already holds its slot (queued calls count as live); only new attempts need one.
			if (job.kind === "new" && this.liveCount() >= cfg.maxConcurrent) break;
			if (job.kind === "new" && (!this.dncFor.has(job.number) || now - this.dncAt > DNC_MAX_AGE_MS)) {
				// Do-not-call is re-read from D1 in batches just before dialing.
				await (this.dncLoading ?? this.loadDnc(cfg, now));
				if (!this.dncFor.has(job.number) || now - this.dncAt > DNC_MAX_AGE_MS) await this.loadDnc(cfg, now);
				if (this.status() !== "running") break;
			} else if (job.kind === "new" && this.dncLeft <= DNC_PREFETCH_AT && !this.dncLoading) {
				this.loadDnc(cfg, now).catch((err: Error) =>
					this.log.warn("Campaign.loadDnc failed", { error: err.message }),
				);
			}
			if (job.kind === "new" && this.dnc.has(job.number)) {
				this.sql.exec(
					"UPDATE contacts SET state = 'done', outcome = 'do_not_call' WHERE idx = ? AND state = 'pending'",
					job.idx,
				);
				continue;
			}
			let slot = this.slot();
			// Token bucket holding at most `burst` tokens (a tenth of a second's worth): a
			// late timer may catch up a few calls, an idle engine never saves up a burst.
			if (slot < now - burst * interval) slot = now - burst * interval;
			if (slot > until) break;
			if (slot > now + 1) {
				await new Promise((r) => setTimeout(r, slot - now));
				now = Date.now();
				if (this.status() !== "running" || (job.kind === "new" && this.liveCount() >= cfg.maxConcurrent))
					break;
			}
			this.setSlot(slot + interval);
			const callId = job.kind === "resend" ? job.callId : this.createAttempt(cfg, job.idx, job.number, now);
			if (!callId) continue;
			if (job.kind === "new") this.dncLeft--;
			sends.push(this.send(cfg, callId));
		}
		await Promise.all(sends);
	}

	/** Re-reads do-not-call for the next DNC_BATCH due contacts (see `dnc`). */
	private loadDnc(cfg: CampaignConfig, now: number): Promise<void> {
		const upcoming = this.sql
			.exec<{ number: string }>(
				"SELECT number FROM contacts WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, idx LIMIT ?",
				now,
				DNC_BATCH,
			)
			.toArray()
			.map((r) => r.number);
		const at = Date.now();
		const loading = loadDoNotCall(this.env.DB, cfg.ownerId, upcoming)
			.then((dnc) => {
				this.dnc = dnc;
				this.dncFor = new Set(upcoming);
				this.dncLeft = upcoming.length;
				this.dncAt = at;
			})
			.finally(() => {
				if (this.dncLoading === loading) this.dncLoading = null;
			});
		this.dncLoading = loading;
		return loading;
	}

	/** The next thing to dial: a call the dialer has not yet taken, else a due contact. */
	private nextJob(
		now: number,
	): { kind: "resend"; callId: string } | { kind: "new"; idx: number; number: string } | null {
		if (now >= this.resendDue) {
			for (const r of this.sql.exec<{ call_id: string }>(
				"SELECT call_id FROM calls WHERE state = 'queued' AND COALESCE(send_at, 0) <= ? ORDER BY created_at LIMIT 50",
				now,
			)) {
				if (!this.sending.has(r.call_id)) return { kind: "resend", callId: r.call_id };
			}
			// Nothing to resend now: look again when the earliest backoff ends (send() pulls this
			// earlier when a send fails). Calls in `sending` settle through send() itself.
			this.resendDue =
				this.sql
					.exec<{ t: number | null }>(
						"SELECT MIN(send_at) AS t FROM calls WHERE state = 'queued' AND send_at > ?",
						now,
					)
					.one().t ?? Number.POSITIVE_INFINITY;
		}
		const c = this.sql
			.exec<{ idx: number; number: string }>(
				"SELECT idx, number FROM contacts WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, idx LIMIT 1",
				now,
			)
			.toArray()[0];
		return c ? { kind: "new", ...c } : null;
	}

	/** Persists the attempt before the dialer hears of it: the id is what makes a resend safe. */
	private createAttempt(cfg: CampaignConfig, idx: number, number: string, now: number): string | null {
		const attempt =
			(this.sql
				.exec<{ attempts: number }>("SELECT attempts FROM contacts WHERE idx = ? AND state = 'pending'", idx)
				.toArray()[0]?.attempts ?? -1) + 1;
		if (attempt === 0) return null;
		const callId = `${cfg.campaignId}:${idx}:${attempt}`;
		this.sql.exec(
			"INSERT OR IGNORE INTO calls (call_id, idx, number, attempt, state, created_at) VALUES (?, ?, ?, ?, 'queued', ?)",
			callId,
			idx,
			number,
			attempt,
			now,
		);
		this.sql.exec(
			"UPDATE contacts SET state = 'calling', attempts = ?, call_id = ? WHERE idx = ?",
			attempt,
			callId,
			idx,
		);
		return callId;
	}

	private async send(cfg: CampaignConfig, callId: string): Promise<void> {
		const call = this.call(callId);
		if (call?.state !== "queued") return;
		this.sending.add(callId);
		try {
			this.trunk ??= {
				...cfg.trunk,
				...(cfg.trunkPasswordEnc
					? { password: await decryptSecret(this.env.SECRETS_KEY, cfg.trunkPasswordEnc) }
					: {}),
			};
			const result = await dialerFor(this.env).createCall({
				call_id: callId,
				to: call.number,
				trunk: this.trunk,
				audio: { url: cfg.soundUrl },
				ring_timeout_s: cfg.ringTimeoutS,
				max_duration_s: cfg.maxDurationS,
				callback_url: cfg.callbackUrl,
				...(cfg.amd ? { amd: cfg.amd } : {}),
			});
			const now = Date.now();
			if (result.ok || result.code === "CALL_EXISTS") {
				this.sql.exec(
					"UPDATE calls SET state = 'dialing', dialed_at = COALESCE(dialed_at, ?) WHERE call_id = ? AND state = 'queued'",
					now,
					callId,
				);
			} else if (result.code === "REJECTED" || call.send_tries + 1 >= MAX_SEND_TRIES) {
				this.finish(callId, "failed", { reason: `dialer: ${result.message}`.slice(0, 300), at: now });
			} else {
				// Same call id next time: if the dialer did take it after all, it answers 409.
				const backoff = Math.min(30_000, 1000 * 2 ** Math.min(call.send_tries, 5));
				this.sql.exec(
					"UPDATE calls SET send_tries = send_tries + 1, send_at = ? WHERE call_id = ?",
					now + backoff,
					callId,
				);
				this.resendDue = Math.min(this.resendDue, now + backoff);
			}
		} catch (err) {
			this.log.warn("Campaign.send failed", { callId, error: (err as Error).message });
			this.sql.exec(
				"UPDATE calls SET send_tries = send_tries + 1, send_at = ? WHERE call_id = ?",
				Date.now() + 5000,
				callId,
			);
			this.resendDue = Math.min(this.resendDue, Date.now() + 5000);
		} finally {
			this.sending.delete(callId);
		}
	}

	/** Ends an attempt once; applies the retry policy to its contact; queues the webhook. */
	private finish(
		callId: string,
		outcome: string,
		ev: Omit<Partial<DialerEvent>, "at"> & { at: number },
		known?: CallRow,
	): void {
		const call = known ?? this.call(callId);
		if (!call || TERMINAL.has(call.state)) return;
		this.sql.exec(
			`UPDATE calls SET state = ?, outcome = ?, ended_at = ?, sip_code = COALESCE(?, sip_code), reason = COALESCE(?, reason),
			 ring_ms = COALESCE(?, ring_ms), talk_ms = COALESCE(?, talk_ms), billed_s = COALESCE(?, billed_s, 0),
			 amd = COALESCE(?, amd), amd_ms = COALESCE(?, amd_ms) WHERE call_id = ?`,
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
			callId,
		);
		const cfg = this.config();
		const rule = cfg?.retry[outcome as "busy" | "no_answer" | "failed"];
		const contact = this.sql
			.exec<{ call_id: string | null }>("SELECT call_id FROM contacts WHERE idx = ?", call.idx)
			.toArray()[0];
		// Only the contact's current attempt may move it on.
		if (contact?.call_id === callId) {
			if (this.status() !== "canceled" && rule && call.attempt < rule.max_attempts) {
				this.sql.exec(
					"UPDATE contacts SET state = 'pending', next_at = ?, outcome = ? WHERE idx = ?",
					ev.at + rule.delay_s * 1000,
					outcome,
					call.idx,
				);
			} else {
				this.sql.exec("UPDATE contacts SET state = 'done', outcome = ? WHERE idx = ?", outcome, call.idx);
			}
		}
		const done = cfg?.webhookUrl ? this.call(callId) : undefined;
		if (done && cfg?.webhookUrl)
			enqueueWebhook(this.sql, "call.completed", { campaign_id: cfg.campaignId, ...cdrView(done) });
	}

	/** Gives up on calls the dialer took but never finished (it crashed, or its events were lost). */
	private async checkLost(cfg: CampaignConfig): Promise<void> {
		const cutoff = Date.now() - (cfg.ringTimeoutS + cfg.maxDurationS) * 1000 - LOST_GRACE_MS;
		const lost = this.sql
			.exec<{ call_id: string }>(
				`SELECT call_id FROM calls WHERE state IN ${LIVE_SQL} AND state != 'queued' AND dialed_at < ? LIMIT 50`,
				cutoff,
			)
			.toArray();
		for (const l of lost)
			this.finish(l.call_id, "failed", { reason: "no result from the dialer", at: Date.now() });
	}

	/** Completion check, D1 row, progress push and the next alarm. */
	private async afterChange(): Promise<void> {
		const s = this.status();
		if (s === "running") {
			// Uses the (state, next_at) index: no scan of a 100,000-contact table per event.
			const open = this.sql
				.exec("SELECT 1 FROM contacts WHERE state IN ('pending', 'calling') LIMIT 1")
				.toArray().length;
			if (open === 0) await this.transition("completed", "campaign.completed");
		}
		const now = Date.now();
		if (now - this.lastProgress >= PROGRESS_EVERY_MS) {
			this.lastProgress = now;
			await this.pushProgress();
		}
		await this.scheduleNext(now);
	}

	private async scheduleNext(now: number): Promise<void> {
		const cfg = this.config();
		if (!cfg) return;
		const times: number[] = [];
		const hook = nextWebhookAt(this.sql);
		if (hook !== null && cfg.webhookUrl) times.push(hook);
		const live = this.sql
			.exec<{ t: number | null }>(
				`SELECT MIN(dialed_at) AS t FROM calls WHERE state IN ${LIVE_SQL} AND state != 'queued'`,
			)
			.one().t;
		if (live !== null) times.push(live + (cfg.ringTimeoutS + cfg.maxDurationS) * 1000 + LOST_GRACE_MS);
		if (this.status() === "running") {
			const resend = this.sql
				.exec<{ t: number | null }>("SELECT MIN(COALESCE(send_at, 0)) AS t FROM calls WHERE state = 'queued'")
				.one().t;
			const due =
				this.liveCount() < cfg.maxConcurrent
					? this.sql
							.exec<{ t: number | null }>("SELECT MIN(next_at) AS t FROM contacts WHERE state = 'pending'")
							.one().t
					: null;
			let t = Math.min(resend ?? Number.POSITIVE_INFINITY, due ?? Number.POSITIVE_INFINITY);
			if (Number.isFinite(t)) {
				t = Math.max(t, this.slot());
				if (cfg.window) t = nextOpen(cfg.window, Math.max(t, now)) ?? t;
				times.push(t);
			}
		}
		if (times.length === 0) return;
		const at = Math.max(now, Math.min(...times));
		const current = await this.ctx.storage.getAlarm();
		if (current === null || current > at || current < now) await this.ctx.storage.setAlarm(at);
	}

	private async transition(to: CampaignStatus, event: string): Promise<void> {
		const from = this.status();
		this.setMeta("status", to);
		this.statusCache = to;
		const cfg = this.config();
		if (!cfg) return;
		const counts = engineCounts(this.sql);
		if (cfg.webhookUrl)
			enqueueWebhook(this.sql, event, { campaign_id: cfg.campaignId, status: to, previous: from, counts });
		await syncCampaignRow(this.env, cfg.campaignId, to, counts);
		await this.pushProgress();
		await this.scheduleNext(Date.now());
		if (to === "running") await this.ctx.storage.setAlarm(Date.now());
	}

	private async pushProgress(): Promise<void> {
		const cfg = this.config();
		if (!cfg) return;
		try {
			const hub = this.env.USER_HUB.get(this.env.USER_HUB.idFromName(cfg.ownerId)) as unknown as {
				pushEvent(e: Record<string, unknown>): Promise<unknown>;
			};
			await hub.pushEvent({
				type: "campaign.progress",
				campaign_id: cfg.campaignId,
				status: this.status(),
				counts: engineCounts(this.sql),
			} satisfies CampaignProgressEvent);
		} catch (err) {
			// Progress is best effort; the status endpoint is the source of truth.
			this.log.warn("Campaign.pushProgress failed", { error: (err as Error).message });
		}
	}

	// ---- small helpers ------------------------------------------------------

	private status(): CampaignStatus {
		this.statusCache ??= this.getMeta<CampaignStatus>("status") ?? "draft";
		return this.statusCache;
	}

	private slot(): number {
		this.nextSlot ??= this.getMeta<number>("next_slot") ?? 0;
		return this.nextSlot;
	}

	private setSlot(at: number): void {
		this.nextSlot = at;
		this.setMeta("next_slot", at);
	}

	private config(): CampaignConfig | null {
		this.cfg ??= this.getMeta<CampaignConfig>("config");
		return this.cfg;
	}

	private call(callId: string): CallRow | undefined {
		return this.sql.exec<CallRow>("SELECT * FROM calls WHERE call_id = ?", callId).toArray()[0];
	}

	private liveCount(): number {
		return this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM calls WHERE state IN ${LIVE_SQL}`).one().n;
	}

	private getMeta<T>(k: string): T | null {
		const row = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0];
		return row ? (JSON.parse(row.v) as T) : null;
	}

	private setMeta(k: string, v: unknown): void {
		this.sql.exec(
			"INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
			k,
			JSON.stringify(v),
		);
	}
}

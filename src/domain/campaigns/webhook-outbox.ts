import { createLogger } from "../../lib/log";
import { decryptSecret } from "../secrets/crypto";
import { outboundFetch } from "./outbound";
import { signWebhook } from "./signature";

/** Seconds to wait after the n-th failed delivery; after the last, the event is given up. */
export const WEBHOOK_BACKOFF_S = [5, 30, 120, 600, 1800, 3600, 7200, 14400];

/** Adds an event to the outbox; it goes out on the next alarm. */
export function enqueueWebhook(
	sql: SqlStorage,
	type: string,
	data: Record<string, unknown>,
	now = Date.now(),
): void {
	const id = sql.exec<{ id: number }>("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM outbox").one().id;
	const body = JSON.stringify({
		id: `${data.campaign_id}:${id}`,
		type,
		created_at: new Date(now).toISOString(),
		data,
	});
	sql.exec("INSERT INTO outbox (id, type, body, next_at) VALUES (?, ?, ?, ?)", id, type, body, now);
}

/** Earliest undelivered event's due time, or null. */
export function nextWebhookAt(sql: SqlStorage): number | null {
	return sql
		.exec<{ t: number | null }>(
			"SELECT MIN(next_at) AS t FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL",
		)
		.one().t;
}

/**
 * Posts due events, signed (see signature.ts), at most `max` per call, in
 * order. A 2xx marks an event delivered; anything else schedules a retry
 * with backoff, and after the last retry the event is marked failed.
 *
 * @example await deliverDueWebhooks(ctx.storage.sql, env, { url, secretEnc });
 */
export async function deliverDueWebhooks(
	sql: SqlStorage,
	env: Env,
	target: { url: string; secretEnc: string },
	now = Date.now(),
	max = 25,
): Promise<void> {
	const due = sql
		.exec<{ id: number; type: string; body: string; attempts: number }>(
			"SELECT id, type, body, attempts FROM outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= ? ORDER BY id LIMIT ?",
			now,
			max,
		)
		.toArray();
	if (due.length === 0) return;
	const secret = await decryptSecret(env.SECRETS_KEY, target.secretEnc);
	// One line per failed delivery, naming the webhook, the event and the attempt (no stack traces).
	const log = createLogger({ component: "webhooks", host: new URL(target.url).host }, env.LOG_LEVEL);
	await Promise.all(
		due.map(async (ev) => {
			let error: string | null = null;
			try {
				const res = await outboundFetch(
					env,
					new Request(target.url, {
						method: "POST",
						headers: {
							"Content-Type": "application/json",
							"User-Agent": "Hatch-Webhooks/1",
							"Hatch-Event-Type": ev.type,
							"Hatch-Signature": await signWebhook(secret, ev.body),
						},
						body: ev.body,
						signal: AbortSignal.timeout(10_000),
					}),
				);
				await res.body?.cancel();
				if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
			} catch (err) {
				error = (err as Error).message || "network error";
			}
			const at = Date.now();
			if (error === null) {
				sql.exec(
					"UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
					at,
					ev.id,
				);
			} else if (ev.attempts >= WEBHOOK_BACKOFF_S.length) {
				log.warn("webhook given up", {
					event: ev.type,
					attempt: ev.attempts + 1,
					error,
				});
				sql.exec(
					"UPDATE outbox SET failed_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
					at,
					error,
					ev.id,
				);
			} else {
				const wait = (WEBHOOK_BACKOFF_S[ev.attempts] ?? 3600) * 1000;
				log.warn("webhook delivery failed; retrying", {
					event: ev.type,
					attempt: ev.attempts + 1,
					retry_in_s: wait / 1000,
					error,
				});
				sql.exec(
					"UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
					at + wait,
					error,
					ev.id,
				);
			}
		}),
	);
}

/** Delivery counts for the status view. */
export function webhookCounts(sql: SqlStorage): { delivered: number; pending: number; failed: number } {
	return sql
		.exec<{ delivered: number; pending: number; failed: number }>(
			"SELECT COUNT(delivered_at) AS delivered, COUNT(failed_at) AS failed, COALESCE(SUM(delivered_at IS NULL AND failed_at IS NULL), 0) AS pending FROM outbox",
		)
		.one();
}

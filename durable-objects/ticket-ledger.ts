import { DurableObject } from "cloudflare:workers";

/** How often a ledger drops the nonces of tickets that have expired (they can no longer be presented). */
const SWEEP_MS = 30_000;

/**
 * TicketLedger: where WebSocket tickets (src/domain/auth/ws-ticket.ts) are
 * spent, so each opens one socket only, wherever it is presented (GET /v1/ws,
 * a chat's or a support socket). A few ledgers for everyone, each a table of
 * spent nonces kept until their ticket expires; one small SQLite write per
 * socket opened, in an object that stays awake while sockets open, instead
 * of waking the user's UserHub twice (bench/fanout/README.md "Joins").
 *
 * @example await ledgerOf(env, t.nonce).spend(t.nonce, t.expiresAt) // true once (src/domain/auth/ws-ticket-deps.ts)
 */
export class TicketLedger extends DurableObject<Env> {
	#sweptAt = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.storage.sql.exec(
			"CREATE TABLE IF NOT EXISTS spent (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID",
		);
	}

	/** True the first time `nonce` is spent (and while its ticket is valid), false ever after. */
	async spend(nonce: string, expiresAt: number): Promise<boolean> {
		const now = Date.now();
		if (expiresAt < now) return false;
		const sql = this.ctx.storage.sql;
		if (now - this.#sweptAt >= SWEEP_MS) {
			this.#sweptAt = now;
			sql.exec("DELETE FROM spent WHERE expires_at < ?", now);
		}
		return (
			sql
				.exec(
					"INSERT INTO spent (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING nonce",
					nonce,
					expiresAt,
				)
				.toArray().length === 1
		);
	}
}

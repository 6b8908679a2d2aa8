import { createDb } from "../../db/client";
import { isSessionLive } from "./sessions";
import type { TicketRedemption } from "./ws-ticket";

/** How many TicketLedgers the nonces are spread over (by their first character): each stays awake under load. */
export const LEDGER_SHARDS = 16;

/** The TicketLedger a nonce is spent in. */
export function ledgerOf(env: Env, nonce: string) {
	const shard = (nonce.charCodeAt(0) || 0) % LEDGER_SHARDS;
	return env.TICKET_LEDGER.get(env.TICKET_LEDGER.idFromName(`ledger-${shard}`));
}

/**
 * Redeeming tickets with the Worker's bindings: the ledger, and the session read from D1.
 *
 * @example const t = await redeemWsTicket(ticketRedemption(env), ticket);
 */
export function ticketRedemption(env: Env): TicketRedemption {
	return {
		secret: env.JWT_SECRET,
		spend: (nonce, expiresAt) => ledgerOf(env, nonce).spend(nonce, expiresAt),
		sessionLive: (sessionId) => isSessionLive(createDb(env.DB), sessionId),
	};
}

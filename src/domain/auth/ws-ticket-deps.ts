import { LIMITS } from "@hatch/contract/limits";
import { createDb } from "../../db/client";
import { isSessionLive } from "./sessions";
import { mintWsTicket, type TicketRedemption } from "./ws-ticket";

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

/**
 * A ticket for one auth session, signed with the Worker's key and valid for LIMITS.TICKET_TTL_MS.
 *
 * @example const { ticket } = await mintTicketFor(env, c.var.auth);
 */
export function mintTicketFor(env: Env, auth: { userId: string; sessionId: string }) {
	return mintWsTicket(env.JWT_SECRET, auth.userId, auth.sessionId, LIMITS.TICKET_TTL_MS);
}

/**
 * WebSocket tickets (POST /v1/ws/ticket): `<userId>.<sessionId>.<exp>.<nonce>.<mac>`,
 * signed with an HMAC key derived from JWT_SECRET, so minting one wakes no
 * Durable Object and checking one needs no storage. They used to be random
 * secrets stored in the user's UserHub: minting and redeeming each woke the
 * hub, which is most of what 1,000 users joining one chat cost (issue 14,
 * bench/fanout/README.md "Joins").
 *
 * Still single use and short-lived: the signature covers the user, the auth
 * session (device) and the expiry (LIMITS.TICKET_TTL_MS); whoever redeems a
 * ticket also spends its nonce in the TicketLedger (durable-objects/ticket-ledger.ts),
 * which answers true once per nonce, and checks that the session is live.
 *
 * @example
 * const { ticket } = await mintWsTicket(env.JWT_SECRET, userId, sessionId);
 * const t = await readWsTicket(env.JWT_SECRET, ticket); // null: forged, malformed or expired
 */

import { hmacKey } from "../../lib/hmac-key";
import { fromBase64Url, randomToken, toBase64Url } from "../../lib/ids";

export type WsTicket = { userId: string; sessionId: string; expiresAt: number; nonce: string };

/** Ids in a ticket: no dots (the separator), nothing a URL must escape. */
const PART = /^[A-Za-z0-9_-]{1,64}$/;
/** Domain separation: the JWT secret signs access tokens too, never the same bytes. */
const LABEL = "hatch ws ticket v1\n";

const bytes = (s: string) => new TextEncoder().encode(LABEL + s);

/** A ticket for `userId`'s session `sessionId`, valid for `ttlMs`. */
export async function mintWsTicket(
	secret: string,
	userId: string,
	sessionId: string,
	ttlMs: number,
	now = Date.now(),
): Promise<{ ticket: string; expires_at: number }> {
	if (!PART.test(userId) || !PART.test(sessionId))
		throw new Error("ticket ids must be URL-safe, without dots");
	const expiresAt = now + ttlMs;
	const body = `${userId}.${sessionId}.${expiresAt.toString(36)}.${randomToken(12)}`;
	const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), bytes(body)));
	return { ticket: `${body}.${toBase64Url(mac)}`, expires_at: expiresAt };
}

/**
 * The ticket's contents when its signature holds and it has not expired;
 * null otherwise. Says nothing about whether it was spent: that is the
 * ledger's (`TicketLedger.spend`).
 */
export async function readWsTicket(
	secret: string,
	ticket: string,
	now = Date.now(),
): Promise<WsTicket | null> {
	const parts = ticket.split(".");
	if (parts.length !== 5) return null;
	const [userId, sessionId, exp, nonce, mac] = parts as [string, string, string, string, string];
	if (!PART.test(userId) || !PART.test(sessionId) || !PART.test(nonce) || !/^[0-9a-z]{1,12}$/.test(exp))
		return null;
	let sig: Uint8Array;
	try {
		sig = fromBase64Url(mac);
	} catch {
		return null;
	}
	const body = ticket.slice(0, ticket.length - mac.length - 1);
	const ok = await crypto.subtle.verify("HMAC", await hmacKey(secret), sig, bytes(body));
	const expiresAt = Number.parseInt(exp, 36);
	if (!ok || !(expiresAt >= now)) return null;
	return { userId, sessionId, expiresAt, nonce };
}

/** What redeeming a ticket needs: the key, the ledger, and whether an auth session is live (D1). */
export type TicketRedemption = {
	secret: string;
	/** TicketLedger.spend: true once per nonce. */
	spend(nonce: string, expiresAt: number): Promise<boolean>;
	/** Not signed out, revoked or expired (`isSessionLive`). */
	sessionLive(sessionId: string): Promise<boolean>;
};

/**
 * Redeems a ticket: genuine, unexpired, spent here for the first time, and
 * minted for a session that is still live (a ticket minted in the moment
 * its session was revoked dies too). Returns its contents, or null.
 *
 * @example const t = await redeemWsTicket(ticketRedemption(env, db), ticket); if (!t) throw invalidTicket();
 */
export async function redeemWsTicket(
	deps: TicketRedemption,
	ticket: string,
	now = Date.now(),
): Promise<WsTicket | null> {
	const t = await readWsTicket(deps.secret, ticket, now);
	if (!t) return null;
	const [spent, live] = await Promise.all([deps.spend(t.nonce, t.expiresAt), deps.sessionLive(t.sessionId)]);
	return spent && live ? t : null;
}

import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { roomOf } from "../../src/domain/chats/deps";
import type { UserHub } from "../user-hub";

/**
 * How long a hub remembers a revoked session. D1 already refuses the
 * session's tokens; this covers requests that passed that check just before
 * the revocation (a ticket minted, a viewing socket being opened), which
 * finish within seconds. Tickets live a minute, so an hour is plenty.
 */
const REMEMBER_MS = 60 * 60 * 1000;

/**
 * Revoked sessions in the hub's SQLite, so a ticket minted or redeemed
 * around a revocation is refused, hibernation or eviction notwithstanding.
 */
export class RevokedSessions {
	constructor(private readonly sql: SqlStorage) {
		sql.exec("CREATE TABLE IF NOT EXISTS revoked (session_id TEXT PRIMARY KEY, until INTEGER NOT NULL)");
	}

	add(sessionIds: readonly string[], now: number) {
		this.sql.exec("DELETE FROM revoked WHERE until < ?", now);
		for (const id of sessionIds)
			this.sql.exec(
				"INSERT OR REPLACE INTO revoked (session_id, until) VALUES (?, ?)",
				id,
				now + REMEMBER_MS,
			);
	}

	has(sessionId: string, now: number): boolean {
		return (
			this.sql.exec("SELECT 1 FROM revoked WHERE session_id = ? AND until >= ?", sessionId, now).toArray()
				.length > 0
		);
	}
}

/**
 * The sessions were revoked (src/domain/auth/revocation.ts decides which):
 * their tickets die, this hub's sockets of theirs close with 4401, and so do
 * their chat-viewing sockets in every ChatRoom they have open. Sockets are
 * matched by the session in their attachment (`d` here, `sessionId` in the
 * rooms), which survives hibernation.
 *
 * @example await closeRevoked(hub, ["0193…"]); // { hub: 1, chats: 2 }
 */
export async function closeRevoked(
	hub: UserHub,
	sessionIds: readonly string[],
): Promise<{ hub: number; chats: number }> {
	const ids = new Set(sessionIds);
	hub.revoked.add(sessionIds, Date.now());
	hub.store.dropTickets(sessionIds);
	let closed = 0;
	for (const ws of hub.openSockets()) {
		const session = hub.identity(ws).d;
		if (!session || !ids.has(session)) continue;
		try {
			ws.close(CLOSE_CODES.SESSION_REVOKED, "Session revoked");
			closed++;
		} catch {
			// Already closing.
		}
	}
	const chats = hub.store.chatsViewedBy(sessionIds);
	const results = await Promise.allSettled(
		chats.map((chatId) => roomOf(hub.bindings, chatId).closeSessions(chatId, hub.userId, [...ids])),
	);
	for (const r of results)
		if (r.status === "rejected")
			hub.log.warn("closing a revoked session's chat sockets failed", { err: String(r.reason) });
	return { hub: closed, chats: chats.length };
}

/**
 * A ChatRoom reported a new viewing socket of a session this hub knows is
 * revoked (it was opened in the moment of the revocation): close it too.
 */
export function closeLateViewer(hub: UserHub, chatId: string, sessionId: string) {
	if (!sessionId || !hub.revoked.has(sessionId, Date.now())) return;
	hub.state.waitUntil(
		roomOf(hub.bindings, chatId)
			.closeSessions(chatId, hub.userId, [sessionId])
			.catch((err) => hub.log.warn("closing a late viewer failed", { err: String(err) })),
	);
}

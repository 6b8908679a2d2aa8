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

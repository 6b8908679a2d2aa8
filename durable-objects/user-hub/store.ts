/**
 * The UserHub's SQLite storage: who it belongs to, unredeemed WebSocket
 * tickets (hashed), which socket watches which chat, and push devices.
 * Socket attachments hold identity only; subscriptions live here so they
 * survive hibernation and eviction.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS subs (socket_id TEXT NOT NULL, chat_id TEXT NOT NULL, PRIMARY KEY (socket_id, chat_id));
CREATE INDEX IF NOT EXISTS subs_chat ON subs (chat_id);
CREATE TABLE IF NOT EXISTS devices (
	device_id TEXT PRIMARY KEY, type TEXT NOT NULL, push_token TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
`;

export type Device = {
	device_id: string;
	type: "webpush" | "fcm";
	push_token: string;
	created_at: number;
	updated_at: number;
};

export class HubStore {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(SCHEMA);
	}

	meta(key: string): string | null {
		return (
			this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ??
			null
		);
	}

	setMeta(key: string, value: string | number) {
		this.sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			key,
			String(value),
		);
	}

	addTicket(hash: string, expiresAt: number, now: number) {
		this.sql.exec("DELETE FROM tickets WHERE expires_at < ?", now);
		this.sql.exec("INSERT INTO tickets (hash, expires_at) VALUES (?, ?)", hash, expiresAt);
	}

	/** Single use: the ticket is deleted whether or not it is still valid. */
	redeemTicket(hash: string, now: number): boolean {
		const row = this.sql
			.exec<{ expires_at: number }>("DELETE FROM tickets WHERE hash = ? RETURNING expires_at", hash)
			.toArray()[0];
		return !!row && row.expires_at >= now;
	}

	subscribe(socketId: string, chatId: string) {
		this.sql.exec("INSERT OR IGNORE INTO subs (socket_id, chat_id) VALUES (?, ?)", socketId, chatId);
	}

	unsubscribe(socketId: string, chatId?: string) {
		if (chatId === undefined) this.sql.exec("DELETE FROM subs WHERE socket_id = ?", socketId);
		else this.sql.exec("DELETE FROM subs WHERE socket_id = ? AND chat_id = ?", socketId, chatId);
	}

	/** Drops every chat subscription of a chat (left, removed, deleted). */
	unsubscribeChat(chatId: string) {
		this.sql.exec("DELETE FROM subs WHERE chat_id = ?", chatId);
	}

	watchers(chatId: string): Set<string> {
		return new Set(
			this.sql
				.exec<{ socket_id: string }>("SELECT socket_id FROM subs WHERE chat_id = ?", chatId)
				.toArray()
				.map((r) => r.socket_id),
		);
	}

	/** Forgets subscriptions of sockets that no longer exist (closed while the hub was evicted). */
	pruneSockets(live: Set<string>) {
		for (const { socket_id } of this.sql
			.exec<{ socket_id: string }>("SELECT DISTINCT socket_id FROM subs")
			.toArray()) {
			if (!live.has(socket_id)) this.unsubscribe(socket_id);
		}
	}

	upsertDevice(d: { device_id: string; type: string; push_token: string }, now: number) {
		this.sql.exec(
			`INSERT INTO devices (device_id, type, push_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
			 ON CONFLICT (device_id) DO UPDATE SET type = excluded.type, push_token = excluded.push_token, updated_at = excluded.updated_at`,
			d.device_id,
			d.type,
			d.push_token,
			now,
			now,
		);
	}

	removeDevice(deviceId: string): boolean {
		return (
			this.sql.exec("DELETE FROM devices WHERE device_id = ? RETURNING device_id", deviceId).toArray()
				.length > 0
		);
	}

	devices(): Device[] {
		return this.sql.exec<Device>("SELECT * FROM devices ORDER BY created_at").toArray();
	}
}

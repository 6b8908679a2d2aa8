/**
 * The UserHub's SQLite storage: who it belongs to, which socket
 * watches which chat, which chat-viewing sockets (of which session) have a
 * chat open, when the room last confirmed each (user-hub/view-check.ts), and
 * what the chat's room was last told about it, and push devices.
 * Socket attachments hold identity only; subscriptions live here so they
 * survive hibernation and eviction.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subs (socket_id TEXT NOT NULL, chat_id TEXT NOT NULL, PRIMARY KEY (socket_id, chat_id));
CREATE INDEX IF NOT EXISTS subs_chat ON subs (chat_id);
CREATE TABLE IF NOT EXISTS views (
	chat_id TEXT NOT NULL, socket_id TEXT NOT NULL, session_id TEXT NOT NULL, checked_at INTEGER NOT NULL, PRIMARY KEY (chat_id, socket_id)
);
CREATE INDEX IF NOT EXISTS views_session ON views (session_id);
CREATE TABLE IF NOT EXISTS wants (chat_id TEXT PRIMARY KEY, wanted INTEGER NOT NULL);
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
		// Tickets are signed now (src/domain/auth/ws-ticket.ts): the table of stored ones goes.
		sql.exec("DROP TABLE IF EXISTS tickets");
		try {
			// Views counted per session before they named their socket: a restart that brings this code
			// disconnected every socket they counted, so they are all stale.
			sql.exec("SELECT socket_id FROM views LIMIT 0");
		} catch {
			sql.exec("DROP TABLE IF EXISTS views");
		}
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

	/**
	 * A chat-viewing socket opened (+1) or closed (-1). Keyed by the room's
	 * socket id, so a repeated or misordered report changes nothing and a
	 * check with the room can drop exactly the sockets that are gone.
	 */
	view(chatId: string, sessionId: string, socketId: string, delta: 1 | -1, now: number) {
		if (delta === 1)
			this.sql.exec(
				"INSERT OR REPLACE INTO views (chat_id, socket_id, session_id, checked_at) VALUES (?, ?, ?, ?)",
				chatId,
				socketId,
				sessionId,
				now,
			);
		else this.unview(chatId, [socketId]);
	}

	/**
	 * The views are exactly `views` (read from the ViewRegistry as the hub came
	 * online; none as it went offline), but for the sockets in `told`, which
	 * rooms reported since the registry answered (kept as they said). A view
	 * kept keeps its confirmation time; what rooms were told about chats
	 * nobody views any more is forgotten.
	 */
	replaceViews(
		views: readonly { chat_id: string; session_id: string; socket_id: string }[],
		now: number,
		told: ReadonlySet<string> = new Set(),
	) {
		const keep = new Set(views.map((v) => `${v.chat_id}\n${v.socket_id}`));
		for (const r of this.sql
			.exec<{ chat_id: string; socket_id: string }>("SELECT chat_id, socket_id FROM views")
			.toArray())
			if (!keep.has(`${r.chat_id}\n${r.socket_id}`) && !told.has(r.socket_id))
				this.sql.exec("DELETE FROM views WHERE chat_id = ? AND socket_id = ?", r.chat_id, r.socket_id);
		for (const v of views)
			if (!told.has(v.socket_id))
				this.sql.exec(
					"INSERT INTO views (chat_id, socket_id, session_id, checked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
					v.chat_id,
					v.socket_id,
					v.session_id,
					now,
				);
		this.sql.exec("DELETE FROM wants WHERE chat_id NOT IN (SELECT chat_id FROM views)");
	}

	/** Forgets viewing sockets that are gone (and what a room was told about a chat nobody views any more). */
	unview(chatId: string, socketIds: string[]) {
		for (const id of socketIds)
			this.sql.exec("DELETE FROM views WHERE chat_id = ? AND socket_id = ?", chatId, id);
		this.sql.exec("DELETE FROM wants WHERE chat_id NOT IN (SELECT chat_id FROM views)");
	}

	/** Sessions with `chatId` open on a chat-viewing socket. */
	viewers(chatId: string): Set<string> {
		return new Set(
			this.sql
				.exec<{ session_id: string }>("SELECT session_id FROM views WHERE chat_id = ?", chatId)
				.toArray()
				.map((r) => r.session_id),
		);
	}

	/** The chat-viewing sockets of `chatId` this hub knows of. */
	viewSockets(chatId: string): string[] {
		return this.sql
			.exec<{ socket_id: string }>("SELECT socket_id FROM views WHERE chat_id = ?", chatId)
			.toArray()
			.map((r) => r.socket_id);
	}

	/** The room confirmed these sockets open at `now`. */
	viewsConfirmed(chatId: string, socketIds: string[], now: number) {
		for (const id of socketIds)
			this.sql.exec("UPDATE views SET checked_at = ? WHERE chat_id = ? AND socket_id = ?", now, chatId, id);
	}

	/** When the room last confirmed the least recently confirmed view of `chatId` (null: none). */
	oldestViewCheck(chatId: string): number | null {
		return (
			this.sql
				.exec<{ t: number | null }>("SELECT min(checked_at) AS t FROM views WHERE chat_id = ?", chatId)
				.toArray()[0]?.t ?? null
		);
	}

	/** Chats that some socket of one of `sessions` views. */
	chatsViewedBy(sessions: Iterable<string>): string[] {
		const chats = new Set<string>();
		for (const s of sessions)
			for (const r of this.sql.exec<{ chat_id: string }>(
				"SELECT DISTINCT chat_id FROM views WHERE session_id = ?",
				s,
			))
				chats.add(r.chat_id);
		return [...chats];
	}

	/** Chats with a view the room has not confirmed since `before` (null `before`: any view at all). */
	chatsUncheckedSince(before: number | null): string[] {
		return this.sql
			.exec<{ chat_id: string }>(
				"SELECT DISTINCT chat_id FROM views WHERE checked_at < ? LIMIT 100",
				before ?? Number.MAX_SAFE_INTEGER,
			)
			.toArray()
			.map((r) => r.chat_id);
	}

	/** Chats some session of this user has open (or just `chatId`), with what each room was last told. */
	viewedChats(chatId?: string): { chat_id: string; wanted: number | null }[] {
		const sql = `SELECT DISTINCT v.chat_id, w.wanted FROM views v LEFT JOIN wants w ON w.chat_id = v.chat_id`;
		if (chatId !== undefined)
			return this.sql
				.exec<{ chat_id: string; wanted: number | null }>(`${sql} WHERE v.chat_id = ?`, chatId)
				.toArray();
		return this.sql.exec<{ chat_id: string; wanted: number | null }>(sql).toArray();
	}

	/** Remembers what the chat's room was told; forgets chats nobody views any more. */
	setWanted(chatId: string, wanted: boolean) {
		this.sql.exec(
			"INSERT INTO wants (chat_id, wanted) VALUES (?, ?) ON CONFLICT (chat_id) DO UPDATE SET wanted = excluded.wanted",
			chatId,
			wanted ? 1 : 0,
		);
		this.sql.exec("DELETE FROM wants WHERE chat_id NOT IN (SELECT chat_id FROM views)");
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

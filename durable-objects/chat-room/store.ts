import type { Message, Receipt } from "@hatch/contract/frames";

/**
 * The ChatRoom's SQLite schema. `seq` is the per-chat order (1, 2, 3 …);
 * `rev` is a per-chat change counter bumped by every send, edit and delete,
 * so a resuming client that knows seq S also learns about edits to older
 * messages made after S was sent (updated_rev > created_rev of S).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
	seq INTEGER PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	sender_id TEXT NOT NULL,
	client_id TEXT,
	text TEXT NOT NULL,
	reply_to INTEGER,
	attachments TEXT NOT NULL DEFAULT '[]',
	created_at INTEGER NOT NULL,
	edited_at INTEGER,
	deleted_at INTEGER,
	created_rev INTEGER NOT NULL,
	updated_rev INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_client ON messages (sender_id, client_id);
CREATE INDEX IF NOT EXISTS messages_updated ON messages (updated_rev);
CREATE TABLE IF NOT EXISTS edits (seq INTEGER NOT NULL, text TEXT NOT NULL, edited_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS edits_seq ON edits (seq);
CREATE TABLE IF NOT EXISTS message_files (file_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (file_id, seq));
CREATE TABLE IF NOT EXISTS receipts (user_id TEXT PRIMARY KEY, delivered_seq INTEGER NOT NULL, read_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hub_wants (user_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS hub_watchers (user_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS e2e_copies (
	seq INTEGER NOT NULL,
	group_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	device_id TEXT NOT NULL,
	sender_device_id TEXT NOT NULL,
	ciphertext TEXT NOT NULL,
	PRIMARY KEY (seq, user_id, device_id)
);
`;

/** One recipient device's ciphertext, as the ChatRoom stores it. */
export type E2eCopyRow = { user_id: string; device_id: string; ciphertext: string };

type Row = {
	seq: number;
	id: string;
	sender_id: string;
	client_id: string | null;
	text: string;
	reply_to: number | null;
	attachments: string;
	created_at: number;
	edited_at: number | null;
	deleted_at: number | null;
	created_rev: number;
	updated_rev: number;
};

/** Typed access to the room's SQLite storage; synchronous, as DO SQLite is. */
export class RoomStore {
	constructor(private readonly sql: SqlStorage) {
		this.init();
	}

	/** Creates the tables (again, after deleteAll). */
	init() {
		this.sql.exec(SCHEMA);
		this.last = null;
		this.receiptRows = null;
		this.deliveredLater?.clear();
	}

	meta(key: string): string | null {
		const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
		return row?.value ?? null;
	}

	setMeta(key: string, value: string | number) {
		this.sql.exec(
			"INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			key,
			String(value),
		);
	}

	private last: number | null = null;
	/**
	 * Delivered watermarks not yet written. Delivery reports arrive once per
	 * member per batch; writing each would put a storage flush (and the output
	 * gate behind it) between every fan-out call, so they are kept here and
	 * written with the next receipt flush (≤ 100 ms). Losing them to an
	 * eviction only makes a receipt say "pending" instead of "delivered".
	 */
	private readonly deliveredLater = new Map<string, number>();
	private receiptRows: Map<string, Receipt> | null = null;

	lastSeq(): number {
		this.last ??= Number(this.meta("last_seq") ?? 0);
		return this.last;
	}

	nextRev(): number {
		const rev = Number(this.meta("rev") ?? 0) + 1;
		this.setMeta("rev", rev);
		return rev;
	}

	toMessage(chatId: string, r: Row): Message {
		return {
			id: r.id,
			chat_id: chatId,
			seq: r.seq,
			sender_id: r.sender_id,
			client_id: r.client_id,
			text: r.deleted_at ? "" : r.text,
			reply_to: r.reply_to,
			attachments: r.deleted_at ? [] : JSON.parse(r.attachments),
			created_at: r.created_at,
			edited_at: r.edited_at,
			deleted: r.deleted_at !== null,
		};
	}

	bySeq(seq: number): Row | undefined {
		return this.sql.exec<Row>("SELECT * FROM messages WHERE seq = ?", seq).toArray()[0];
	}

	byClientId(senderId: string, clientId: string): Row | undefined {
		return this.sql
			.exec<Row>("SELECT * FROM messages WHERE sender_id = ? AND client_id = ?", senderId, clientId)
			.toArray()[0];
	}

	insert(row: Omit<Row, "edited_at" | "deleted_at">) {
		this.sql.exec(
			`INSERT INTO messages (seq, id, sender_id, client_id, text, reply_to, attachments, created_at, created_rev, updated_rev)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			row.seq,
			row.id,
			row.sender_id,
			row.client_id,
			row.text,
			row.reply_to,
			row.attachments,
			row.created_at,
			row.created_rev,
			row.updated_rev,
		);
		this.setMeta("last_seq", row.seq);
		this.last = row.seq;
	}

	edit(seq: number, oldText: string, text: string, now: number, rev: number) {
		this.sql.exec("INSERT INTO edits (seq, text, edited_at) VALUES (?, ?, ?)", seq, oldText, now);
		this.sql.exec(
			"UPDATE messages SET text = ?, edited_at = ?, updated_rev = ? WHERE seq = ?",
			text,
			now,
			rev,
			seq,
		);
	}

	tombstone(seq: number, now: number, rev: number) {
		// The text and edit history go; the seq, sender and time stay so the order has no holes.
		this.sql.exec(
			"UPDATE messages SET text = '', attachments = '[]', deleted_at = ?, updated_rev = ? WHERE seq = ?",
			now,
			rev,
			seq,
		);
		this.sql.exec("DELETE FROM edits WHERE seq = ?", seq);
		this.sql.exec("DELETE FROM e2e_copies WHERE seq = ?", seq);
	}

	/** Stores a message group's copies for `seq`, replacing any earlier group (an edit is a new group). */
	putCopies(seq: number, groupId: string, senderDeviceId: string, copies: E2eCopyRow[]) {
		this.sql.exec("DELETE FROM e2e_copies WHERE seq = ?", seq);
		for (const c of copies)
			this.sql.exec(
				"INSERT INTO e2e_copies (seq, group_id, user_id, device_id, sender_device_id, ciphertext) VALUES (?, ?, ?, ?, ?, ?)",
				seq,
				groupId,
				c.user_id,
				c.device_id,
				senderDeviceId,
				c.ciphertext,
			);
	}

	/** The copies of message `seq` addressed to `userId`'s devices, and only those. */
	copiesFor(
		seq: number,
		userId: string,
	): { group_id: string; sender_device_id: string; device_id: string; ciphertext: string }[] {
		return this.sql
			.exec<{ group_id: string; sender_device_id: string; device_id: string; ciphertext: string }>(
				"SELECT group_id, sender_device_id, device_id, ciphertext FROM e2e_copies WHERE seq = ? AND user_id = ? ORDER BY device_id",
				seq,
				userId,
			)
			.toArray();
	}

	/** The seq whose current message group is `groupId` (null when none is). */
	seqOfGroup(groupId: string): number | null {
		const row = this.sql
			.exec<{ seq: number }>("SELECT seq FROM e2e_copies WHERE group_id = ? LIMIT 1", groupId)
			.toArray()[0];
		return row?.seq ?? null;
	}

	/** The group id of message `seq` (null for a plain message or a tombstone). */
	groupOf(seq: number): string | null {
		const row = this.sql
			.exec<{ group_id: string }>("SELECT group_id FROM e2e_copies WHERE seq = ? LIMIT 1", seq)
			.toArray()[0];
		return row?.group_id ?? null;
	}

	editsOf(seq: number): { text: string; edited_at: number }[] {
		return this.sql
			.exec<{ text: string; edited_at: number }>(
				"SELECT text, edited_at FROM edits WHERE seq = ? ORDER BY edited_at",
				seq,
			)
			.toArray();
	}

	/** Newest first, strictly before `beforeSeq`. */
	page(beforeSeq: number, limit: number): Row[] {
		return this.sql
			.exec<Row>("SELECT * FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?", beforeSeq, limit)
			.toArray();
	}

	/** Oldest first, strictly after `afterSeq`. */
	after(afterSeq: number, limit: number): Row[] {
		return this.sql
			.exec<Row>("SELECT * FROM messages WHERE seq > ? ORDER BY seq ASC LIMIT ?", afterSeq, limit)
			.toArray();
	}

	/** Messages up to `seq` changed after message `seq` was created (for resume). */
	changedSince(seq: number, limit: number): Row[] {
		const at = this.bySeq(seq);
		if (!at) return [];
		return this.sql
			.exec<Row>(
				"SELECT * FROM messages WHERE updated_rev > ? AND seq <= ? AND updated_rev > created_rev ORDER BY seq LIMIT ?",
				at.created_rev,
				seq,
				limit,
			)
			.toArray();
	}

	linkFiles(seq: number, fileIds: string[]) {
		for (const f of fileIds)
			this.sql.exec("INSERT OR IGNORE INTO message_files (file_id, seq) VALUES (?, ?)", f, seq);
	}

	seqsWithFile(fileId: string): number[] {
		return this.sql
			.exec<{ seq: number }>("SELECT seq FROM message_files WHERE file_id = ?", fileId)
			.toArray()
			.map((r) => r.seq);
	}

	setAttachments(seq: number, attachments: string, rev: number) {
		this.sql.exec(
			"UPDATE messages SET attachments = ?, updated_rev = ? WHERE seq = ?",
			attachments,
			rev,
			seq,
		);
	}

	/**
	 * Every member's persisted watermarks, read once per wake-up: the receipt
	 * flush and the delivered marks read them for hundreds of members at a
	 * time, and one SELECT per member per flush was a fifth of a big room's CPU.
	 */
	private persisted(): Map<string, Receipt> {
		if (!this.receiptRows) {
			const rows = this.sql.exec<Receipt>("SELECT user_id, delivered_seq, read_seq FROM receipts").toArray();
			this.receiptRows = new Map(rows.map((r) => [r.user_id, { ...r }]));
		}
		return this.receiptRows;
	}

	receipt(userId: string): Receipt {
		const r = this.persisted().get(userId) ?? { user_id: userId, delivered_seq: 0, read_seq: 0 };
		const later = this.deliveredLater.get(userId) ?? 0;
		return { ...r, delivered_seq: Math.max(r.delivered_seq, later) };
	}

	receipts(): Receipt[] {
		const users = new Set([...this.persisted().keys(), ...this.deliveredLater.keys()]);
		return [...users].map((u) => this.receipt(u));
	}

	/** The user's delivered watermark, from memory (no allocation: the fan-out asks per viewer per message). */
	deliveredSeq(userId: string): number {
		const persisted = this.persisted().get(userId)?.delivered_seq ?? 0;
		return Math.max(persisted, this.deliveredLater.get(userId) ?? 0);
	}

	/** Raises a delivered watermark in memory; `persistDelivered` writes it. */
	raiseDeliveredLater(userId: string, seq: number) {
		if (seq > (this.deliveredLater.get(userId) ?? 0)) this.deliveredLater.set(userId, seq);
	}

	/** Writes the delivered marks kept in memory, in one statement however many members moved. */
	persistDelivered() {
		if (!this.deliveredLater.size) return;
		const rows = [...this.deliveredLater];
		this.sql.exec(
			`INSERT INTO receipts (user_id, delivered_seq, read_seq)
			 SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 0 FROM json_each(?) WHERE true
			 ON CONFLICT (user_id) DO UPDATE SET delivered_seq = max(delivered_seq, excluded.delivered_seq)`,
			JSON.stringify(rows),
		);
		for (const [u, seq] of rows) this.remember(u, seq, 0);
		this.deliveredLater.clear();
	}

	/** Raises watermarks; never lowers them (read implies delivered). */
	raiseReceipt(userId: string, delivered: number, read: number) {
		this.sql.exec(
			`INSERT INTO receipts (user_id, delivered_seq, read_seq) VALUES (?, max(?, ?), ?)
			 ON CONFLICT (user_id) DO UPDATE SET delivered_seq = max(delivered_seq, excluded.delivered_seq, excluded.read_seq),
			 read_seq = max(read_seq, excluded.read_seq)`,
			userId,
			delivered,
			read,
			read,
		);
		this.remember(userId, delivered, read);
	}

	/** Mirrors a write into the in-memory copy, with the same never-lower rule as the SQL. */
	private remember(userId: string, delivered: number, read: number) {
		const rows = this.persisted();
		const r = rows.get(userId) ?? { user_id: userId, delivered_seq: 0, read_seq: 0 };
		r.read_seq = Math.max(r.read_seq, read);
		r.delivered_seq = Math.max(r.delivered_seq, delivered, read);
		rows.set(userId, r);
	}

	/** Viewing users whose hub still wants this chat's events (another device is online). */
	hubWants(): Set<string> {
		return new Set(
			this.sql
				.exec<{ user_id: string }>("SELECT user_id FROM hub_wants")
				.toArray()
				.map((r) => r.user_id),
		);
	}

	setHubWants(userId: string, wanted: boolean) {
		if (wanted) this.sql.exec("INSERT OR IGNORE INTO hub_wants (user_id) VALUES (?)", userId);
		else this.sql.exec("DELETE FROM hub_wants WHERE user_id = ?", userId);
	}

	/** Members whose hub relays this chat to a hub socket that subscribed to it (see HubLinks.watchers). */
	hubWatchers(): Set<string> {
		return new Set(
			this.sql
				.exec<{ user_id: string }>("SELECT user_id FROM hub_watchers")
				.toArray()
				.map((r) => r.user_id),
		);
	}

	addHubWatcher(userId: string) {
		this.sql.exec("INSERT OR IGNORE INTO hub_watchers (user_id) VALUES (?)", userId);
	}

	sendersAfter(seq: number): string[] {
		return this.sql
			.exec<{ sender_id: string }>("SELECT DISTINCT sender_id FROM messages WHERE seq > ?", seq)
			.toArray()
			.map((r) => r.sender_id);
	}
}

import type { SupportCanned, SupportNote } from "@hatch/contract/support-frames";
import type { Person } from "../../src/domain/support/queue";

/**
 * The desk's extras in its SQLite: internal notes (operators only, never in
 * the chat), every support reply with how long the customer had waited (for
 * the per-operator figures), and canned replies (per operator or shared).
 */
export class ExtrasStore {
	constructor(private readonly sql: SqlStorage) {
		sql.exec(`
			CREATE TABLE IF NOT EXISTS notes (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				conversation_id TEXT NOT NULL,
				author_id TEXT NOT NULL,
				author_name TEXT NOT NULL,
				text TEXT NOT NULL,
				created_at INTEGER NOT NULL
			);
			CREATE INDEX IF NOT EXISTS notes_conversation ON notes(conversation_id, id);
			CREATE TABLE IF NOT EXISTS replies (
				operator_id TEXT NOT NULL,
				conversation_id TEXT NOT NULL,
				at INTEGER NOT NULL,
				waited_ms INTEGER
			);
			CREATE INDEX IF NOT EXISTS replies_operator ON replies(operator_id, at);
			CREATE TABLE IF NOT EXISTS canned (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				owner_id TEXT NOT NULL,
				shared INTEGER NOT NULL,
				title TEXT NOT NULL,
				text TEXT NOT NULL,
				created_at INTEGER NOT NULL
			);
		`);
	}

	addNote(conversationId: string, author: Person, text: string, now: number): SupportNote {
		const id = this.sql
			.exec<{ id: number }>(
				"INSERT INTO notes (conversation_id, author_id, author_name, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
				conversationId,
				author.id,
				author.name,
				text,
				now,
			)
			.one().id;
		return {
			id,
			conversation_id: conversationId,
			author: { id: author.id, name: author.name },
			text,
			created_at: now,
		};
	}

	notes(conversationId: string): SupportNote[] {
		return this.sql
			.exec<{ id: number; author_id: string; author_name: string; text: string; created_at: number }>(
				"SELECT id, author_id, author_name, text, created_at FROM notes WHERE conversation_id = ? ORDER BY id LIMIT 1000",
				conversationId,
			)
			.toArray()
			.map((r) => ({
				id: r.id,
				conversation_id: conversationId,
				author: { id: r.author_id, name: r.author_name },
				text: r.text,
				created_at: r.created_at,
			}));
	}

	/** One support reply; `waitedMs` when it answered a waiting customer (a first response). */
	addReply(operatorId: string, conversationId: string, at: number, waitedMs: number | null) {
		this.sql.exec(
			"INSERT INTO replies (operator_id, conversation_id, at, waited_ms) VALUES (?, ?, ?, ?)",
			operatorId,
			conversationId,
			at,
			waitedMs,
		);
	}

	/** Per operator since `since`: conversations answered, and the first-response waits. */
	replies(
		since: number,
	): { operator_id: string; conversation_id: string; at: number; waited_ms: number | null }[] {
		return this.sql
			.exec<{ operator_id: string; conversation_id: string; at: number; waited_ms: number | null }>(
				"SELECT operator_id, conversation_id, at, waited_ms FROM replies WHERE at >= ?",
				since,
			)
			.toArray();
	}

	addCanned(
		owner: string,
		input: { title: string; text: string; shared: boolean },
		now: number,
	): SupportCanned {
		const id = this.sql
			.exec<{ id: number }>(
				"INSERT INTO canned (owner_id, shared, title, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
				owner,
				input.shared ? 1 : 0,
				input.title,
				input.text,
				now,
			)
			.one().id;
		return { id, owner_id: owner, ...input, created_at: now };
	}

	/** The operator's own canned replies and every shared one. */
	canned(operatorId: string): SupportCanned[] {
		return this.sql
			.exec<{
				id: number;
				owner_id: string;
				shared: number;
				title: string;
				text: string;
				created_at: number;
			}>("SELECT * FROM canned WHERE owner_id = ? OR shared = 1 ORDER BY title, id LIMIT 500", operatorId)
			.toArray()
			.map((r) => ({ ...r, shared: r.shared === 1 }));
	}

	cannedById(id: number): SupportCanned | null {
		const r = this.sql
			.exec<{
				id: number;
				owner_id: string;
				shared: number;
				title: string;
				text: string;
				created_at: number;
			}>("SELECT * FROM canned WHERE id = ?", id)
			.toArray()[0];
		return r ? { ...r, shared: r.shared === 1 } : null;
	}

	deleteCanned(id: number) {
		this.sql.exec("DELETE FROM canned WHERE id = ?", id);
	}
}

import type { SupportSettings } from "@hatch/contract/support-frames";
import type { Conversation, Person } from "../../src/domain/support/queue";
import { DEFAULT_SETTINGS } from "../../src/domain/support/views";

/**
 * The desk's own SQLite: customers (their desk number and their one support
 * chat), each conversation's queue record, operator names and the settings.
 * Messages are not here: they live in each support chat's ChatRoom.
 */
export class DeskStore {
	constructor(private readonly sql: SqlStorage) {
		this.init();
	}

	init() {
		this.sql.exec(`
			CREATE TABLE IF NOT EXISTS customers (
				number INTEGER PRIMARY KEY AUTOINCREMENT,
				user_id TEXT NOT NULL UNIQUE,
				chat_id TEXT
			);
			CREATE TABLE IF NOT EXISTS conversations (
				id TEXT PRIMARY KEY,
				customer_id TEXT NOT NULL,
				status TEXT NOT NULL,
				assignee_id TEXT,
				record TEXT NOT NULL
			);
			CREATE INDEX IF NOT EXISTS conversations_status ON conversations(status);
			CREATE TABLE IF NOT EXISTS people (user_id TEXT PRIMARY KEY, name TEXT NOT NULL);
			CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		`);
	}

	/** The customer's desk number, given on first contact (the seed protocol's numeric ids). */
	customerNumber(userId: string): number {
		this.sql.exec("INSERT OR IGNORE INTO customers (user_id) VALUES (?)", userId);
		return this.sql.exec<{ number: number }>("SELECT number FROM customers WHERE user_id = ?", userId).one()
			.number;
	}

	customerByNumber(n: number): string | null {
		const rows = this.sql
			.exec<{ user_id: string }>("SELECT user_id FROM customers WHERE number = ?", n)
			.toArray();
		return rows[0]?.user_id ?? null;
	}

	chatOf(userId: string): string | null {
		const rows = this.sql
			.exec<{ chat_id: string | null }>("SELECT chat_id FROM customers WHERE user_id = ?", userId)
			.toArray();
		return rows[0]?.chat_id ?? null;
	}

	setChat(userId: string, chatId: string) {
		this.sql.exec("UPDATE customers SET chat_id = ? WHERE user_id = ?", chatId, userId);
	}

	get(id: string): Conversation | null {
		const rows = this.sql
			.exec<{ record: string }>("SELECT record FROM conversations WHERE id = ?", id)
			.toArray();
		return rows[0] ? (JSON.parse(rows[0].record) as Conversation) : null;
	}

	put(c: Conversation) {
		this.sql.exec(
			"INSERT OR REPLACE INTO conversations (id, customer_id, status, assignee_id, record) VALUES (?, ?, ?, ?, ?)",
			c.id,
			c.customer.id,
			c.status,
			c.assignee?.id ?? null,
			JSON.stringify(c),
		);
	}

	/** Conversations in a status (all open ones when `status` is "open"), or assigned to one operator. */
	list(q: { status?: Conversation["status"] | "open"; assignee?: string }): Conversation[] {
		const where: string[] = [];
		const args: string[] = [];
		if (q.status === "open") where.push("status != 'closed'");
		else if (q.status) {
			where.push("status = ?");
			args.push(q.status);
		}
		if (q.assignee) {
			where.push("assignee_id = ?");
			args.push(q.assignee);
		}
		const sql = `SELECT record FROM conversations ${where.length ? `WHERE ${where.join(" AND ")}` : ""} LIMIT 1000`;
		return this.sql
			.exec<{ record: string }>(sql, ...args)
			.toArray()
			.map((r) => JSON.parse(r.record) as Conversation);
	}

	/** Remembers a person's display name (operators' names go on their replies). */
	rememberName(p: Person) {
		this.sql.exec("INSERT OR REPLACE INTO people (user_id, name) VALUES (?, ?)", p.id, p.name);
	}

	nameOf(userId: string): string {
		const rows = this.sql
			.exec<{ name: string }>("SELECT name FROM people WHERE user_id = ?", userId)
			.toArray();
		return rows[0]?.name ?? "";
	}

	settings(): SupportSettings {
		const rows = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'").toArray();
		return rows[0]
			? { ...DEFAULT_SETTINGS, ...(JSON.parse(rows[0].value) as SupportSettings) }
			: DEFAULT_SETTINGS;
	}

	setSettings(s: SupportSettings) {
		this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('settings', ?)", JSON.stringify(s));
	}
}

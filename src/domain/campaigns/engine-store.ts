/**
 * The Campaign Durable Object's own SQLite: contacts to call (copied from
 * D1 at start), one row per call attempt (the CDR, keyed by the
 * deterministic call id), the (call_id, seq) pairs of dialer events already
 * applied, and the webhook outbox. Everything the engine must not forget
 * across eviction lives here; memory holds caches only.
 */
export const ENGINE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contacts (
	idx INTEGER PRIMARY KEY, number TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
	attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0, outcome TEXT, call_id TEXT);
CREATE INDEX IF NOT EXISTS contacts_due ON contacts (state, next_at);
CREATE TABLE IF NOT EXISTS calls (
	call_id TEXT PRIMARY KEY, idx INTEGER NOT NULL, number TEXT NOT NULL, attempt INTEGER NOT NULL,
	state TEXT NOT NULL, send_at INTEGER, send_tries INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
	dialed_at INTEGER, answered_at INTEGER, ended_at INTEGER, outcome TEXT, sip_code INTEGER, reason TEXT,
	ring_ms INTEGER, talk_ms INTEGER, billed_s INTEGER, dtmf TEXT NOT NULL DEFAULT '', last_seq INTEGER NOT NULL DEFAULT 0,
	amd TEXT, amd_ms INTEGER, dialer TEXT);
CREATE INDEX IF NOT EXISTS calls_state ON calls (state);
CREATE TABLE IF NOT EXISTS seen (call_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (call_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
	id INTEGER PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
	next_at INTEGER NOT NULL, delivered_at INTEGER, failed_at INTEGER, last_error TEXT);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (delivered_at, failed_at, next_at);
CREATE TABLE IF NOT EXISTS counts (k TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Columns added to `calls` after it shipped: a Durable Object created before gets them at start-up. */
export const ENGINE_COLUMNS: Array<[table: string, column: string, type: string]> = [
	["calls", "amd", "TEXT"],
	["calls", "amd_ms", "INTEGER"],
	// The fleet member the call is pinned to (null: not yet placed, or free to go to any).
	["calls", "dialer", "TEXT"],
];

/** Creates the engine's tables, and adds {@link ENGINE_COLUMNS} an older store lacks. */
export function ensureEngineSchema(sql: SqlStorage): void {
	sql.exec(ENGINE_SCHEMA);
	for (const [table, column, type] of ENGINE_COLUMNS) {
		const has = sql
			.exec<{ name: string }>(`PRAGMA table_info(${table})`)
			.toArray()
			.some((c) => c.name === column);
		if (!has) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
	}
	// A store from before live counts: counted once, then kept by the triggers.
	const counted = sql.exec("SELECT 1 FROM meta WHERE k = 'counts_live'").toArray().length > 0;
	if (!counted) {
		sql.exec("DELETE FROM counts");
		for (const [k, n] of Object.entries(recount(sql)))
			if (n > 0) sql.exec("INSERT INTO counts (k, n) VALUES (?, ?)", k, n);
		sql.exec("INSERT INTO meta (k, v) VALUES ('counts_live', 'true')");
	}
	sql.exec(COUNT_TRIGGERS);
}

/** Call states while a call is live (counts against max_concurrent). */
export const LIVE_STATES = ["queued", "dialing", "trying", "ringing", "early_media", "answered"] as const;
export const LIVE_SQL = `('${LIVE_STATES.join("','")}')`;
export const TERMINAL = new Set(["completed", "busy", "no_answer", "failed", "canceled"]);
/** Progress order: an event never moves a call backwards. */
export const RANK: Record<string, number> = {
	queued: 0,
	dialing: 1,
	trying: 2,
	ringing: 3,
	early_media: 4,
	answered: 5,
};

/**
 * Live counts: triggers keep the counts table in step with every write to
 * contacts and calls, so status, progress and the concurrency check read a
 * few rows instead of counting a 100,000-contact table. Keys: total, each
 * contact state, each outcome of a done contact, attempts, answered, in_flight.
 */
const COUNT_TRIGGERS = `
CREATE TRIGGER IF NOT EXISTS counts_contact_new AFTER INSERT ON contacts BEGIN
	INSERT INTO counts (k, n) VALUES ('total', 1), (NEW.state, 1) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
	INSERT INTO counts (k, n) SELECT NEW.outcome, 1 WHERE NEW.state = 'done' AND NEW.outcome IS NOT NULL
		ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER IF NOT EXISTS counts_contact_moved AFTER UPDATE OF state, outcome ON contacts BEGIN
	INSERT INTO counts (k, n) VALUES (OLD.state, -1), (NEW.state, 1) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
	INSERT INTO counts (k, n) SELECT OLD.outcome, -1 WHERE OLD.state = 'done' AND OLD.outcome IS NOT NULL
		ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
	INSERT INTO counts (k, n) SELECT NEW.outcome, 1 WHERE NEW.state = 'done' AND NEW.outcome IS NOT NULL
		ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER IF NOT EXISTS counts_call_new AFTER INSERT ON calls BEGIN
	INSERT INTO counts (k, n) VALUES ('attempts', 1), ('in_flight', NEW.state IN ${LIVE_SQL}),
		('answered', NEW.answered_at IS NOT NULL) ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER IF NOT EXISTS counts_call_moved AFTER UPDATE OF state, answered_at ON calls BEGIN
	INSERT INTO counts (k, n) VALUES ('in_flight', (NEW.state IN ${LIVE_SQL}) - (OLD.state IN ${LIVE_SQL})),
		('answered', (NEW.answered_at IS NOT NULL) - (OLD.answered_at IS NOT NULL))
		ON CONFLICT (k) DO UPDATE SET n = n + excluded.n;
END;
`;

export type CallRow = {
	call_id: string;
	idx: number;
	number: string;
	attempt: number;
	state: string;
	send_at: number | null;
	send_tries: number;
	created_at: number;
	dialed_at: number | null;
	answered_at: number | null;
	ended_at: number | null;
	outcome: string | null;
	sip_code: number | null;
	reason: string | null;
	ring_ms: number | null;
	talk_ms: number | null;
	billed_s: number | null;
	dtmf: string;
	last_seq: number;
	amd: string | null;
	amd_ms: number | null;
	dialer: string | null;
};

export type CdrFilter = { outcome?: string; state?: string; number?: string; after?: number; limit: number };

/** A CDR as the API shows it. */
export function cdrView(r: CallRow & { rowid?: number }) {
	const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
	return {
		call_id: r.call_id,
		number: r.number,
		attempt: r.attempt,
		state: r.state,
		outcome: r.outcome,
		created_at: iso(r.created_at),
		started_at: iso(r.dialed_at),
		answered_at: iso(r.answered_at),
		ended_at: iso(r.ended_at),
		billed_s: r.billed_s,
		ring_ms: r.ring_ms,
		talk_ms: r.talk_ms,
		sip_code: r.sip_code,
		reason: r.reason,
		dtmf: r.dtmf,
		amd: r.amd as "human" | "machine" | "unknown" | null,
		amd_ms: r.amd_ms,
	};
}
export type Cdr = ReturnType<typeof cdrView>;

/** Pages CDRs in creation order; `after` is the cursor from the previous page. */
export function listCdrs(sql: SqlStorage, f: CdrFilter): { items: Cdr[]; next_after: number | null } {
	const where = ["rowid > ?"];
	const args: (string | number)[] = [f.after ?? 0];
	if (f.outcome) {
		where.push("outcome = ?");
		args.push(f.outcome);
	}
	if (f.state) {
		where.push("state = ?");
		args.push(f.state);
	}
	if (f.number) {
		where.push("number = ?");
		args.push(f.number);
	}
	const rows = sql
		.exec<CallRow & { rowid: number }>(
			`SELECT rowid, * FROM calls WHERE ${where.join(" AND ")} ORDER BY rowid LIMIT ?`,
			...args,
			f.limit,
		)
		.toArray();
	return {
		items: rows.map(cdrView),
		next_after: rows.length === f.limit ? (rows.at(-1)?.rowid ?? null) : null,
	};
}

const ZERO_COUNTS = [
	"total",
	"pending",
	"calling",
	"done",
	"completed",
	"busy",
	"no_answer",
	"failed",
	"canceled",
	"do_not_call",
	"attempts",
	"answered",
	"in_flight",
] as const;

/** Counts by contact state/outcome and by call, for status and progress events (kept live, see COUNT_TRIGGERS). */
export function engineCounts(sql: SqlStorage): Record<string, number> {
	const counts: Record<string, number> = Object.fromEntries(ZERO_COUNTS.map((k) => [k, 0]));
	for (const r of sql.exec<{ k: string; n: number }>("SELECT k, n FROM counts")) counts[r.k] = r.n;
	return counts;
}

/** One live count, e.g. `in_flight` (calls holding a concurrency slot). */
export function engineCount(sql: SqlStorage, k: (typeof ZERO_COUNTS)[number]): number {
	return sql.exec<{ n: number }>("SELECT n FROM counts WHERE k = ?", k).toArray()[0]?.n ?? 0;
}

/** Counts by recounting the tables: for stores from before live counts, and for tests. */
export function recount(sql: SqlStorage): Record<string, number> {
	const counts: Record<string, number> = {
		total: 0,
		pending: 0,
		calling: 0,
		done: 0,
		completed: 0,
		busy: 0,
		no_answer: 0,
		failed: 0,
		canceled: 0,
		do_not_call: 0,
	};
	for (const r of sql.exec<{ state: string; outcome: string | null; n: number }>(
		"SELECT state, outcome, COUNT(*) AS n FROM contacts GROUP BY state, outcome",
	)) {
		counts.total = (counts.total ?? 0) + r.n;
		counts[r.state] = (counts[r.state] ?? 0) + r.n;
		if (r.state === "done" && r.outcome) counts[r.outcome] = (counts[r.outcome] ?? 0) + r.n;
	}
	const calls = sql
		.exec<{ attempts: number; answered: number; live: number }>(
			`SELECT COUNT(*) AS attempts, COUNT(answered_at) AS answered, COALESCE(SUM(state IN ${LIVE_SQL}), 0) AS live FROM calls`,
		)
		.one();
	counts.attempts = calls.attempts;
	counts.answered = calls.answered;
	counts.in_flight = calls.live;
	return counts;
}

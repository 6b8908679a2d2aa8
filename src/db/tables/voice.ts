import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Voice campaigns (seed 002): SIP trunks, sounds, contact lists, the
 * per-account do-not-call list and campaigns. Call records live in each
 * campaign's Durable Object (its SQLite), next to the state machine that
 * writes them, so a 100-calls-per-second campaign never queues on D1.
 */
export const sipTrunks = sqliteTable(
	"sip_trunks",
	{
		id: text("id").primaryKey(),
		ownerId: text("owner_id").notNull(),
		name: text("name").notNull(),
		host: text("host").notNull(),
		port: integer("port").notNull().default(5060),
		transport: text("transport", { enum: ["udp", "tcp", "tls"] })
			.notNull()
			.default("udp"),
		username: text("username"),
		/** AES-GCM ciphertext under SECRETS_KEY (src/domain/secrets); never returned. */
		passwordEnc: text("password_enc"),
		authUsername: text("auth_username"),
		fromUser: text("from_user"),
		callerId: text("caller_id"),
		domain: text("domain"),
		codecs: text("codecs", { mode: "json" }).$type<("PCMU" | "PCMA")[]>().notNull(),
		/** The last test call: {call_id, to, state, sip_code?, reason?, at}. */
		lastTest: text("last_test", { mode: "json" }).$type<Record<string, unknown>>(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("sip_trunks_owner_idx").on(t.ownerId, t.id)],
);

export const sounds = sqliteTable(
	"sounds",
	{
		id: text("id").primaryKey(),
		ownerId: text("owner_id").notNull(),
		name: text("name").notNull(),
		format: text("format", { enum: ["wav", "mp3"] }).notNull(),
		/** R2 key of the upload as received. */
		originalKey: text("original_key").notNull(),
		/** R2 key of the 8 kHz µ-law WAV; null for MP3, which the dialer converts (and caches). */
		convertedKey: text("converted_key"),
		durationMs: integer("duration_ms").notNull(),
		sizeBytes: integer("size_bytes").notNull(),
		sampleRate: integer("sample_rate").notNull(),
		channels: integer("channels").notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("sounds_owner_idx").on(t.ownerId, t.id)],
);

export const contactLists = sqliteTable(
	"contact_lists",
	{
		id: text("id").primaryKey(),
		ownerId: text("owner_id").notNull(),
		name: text("name").notNull(),
		defaultRegion: text("default_region").notNull(),
		/** What the import saw: {rows, valid, invalid, duplicates, do_not_call, encoding, header}. */
		stats: text("stats", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
		contactCount: integer("contact_count").notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("contact_lists_owner_idx").on(t.ownerId, t.id)],
);

export const contacts = sqliteTable(
	"contacts",
	{
		/** Integer so a campaign pages through a list by `id > cursor` cheaply. */
		id: integer("id").primaryKey({ autoIncrement: true }),
		listId: text("list_id").notNull(),
		number: text("number").notNull(),
		name: text("name"),
		comment: text("comment"),
		fields: text("fields", { mode: "json" }).$type<Record<string, string>>(),
		/** Line in the uploaded file (1-based), for reports. */
		line: integer("line").notNull(),
	},
	// No unique (list_id, number) index: normalizeContacts merges duplicates before the insert, and
	// no query looks a contact up by number; it cost about a tenth of a 100,000-row import (bench/campaign).
	(t) => [index("contacts_list_id_idx").on(t.listId, t.id)],
);

export const doNotCall = sqliteTable(
	"do_not_call",
	{
		ownerId: text("owner_id").notNull(),
		number: text("number").notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [primaryKey({ columns: [t.ownerId, t.number] })],
);

export const campaigns = sqliteTable(
	"campaigns",
	{
		id: text("id").primaryKey(),
		ownerId: text("owner_id").notNull(),
		name: text("name").notNull(),
		trunkId: text("trunk_id").notNull(),
		soundId: text("sound_id").notNull(),
		listId: text("list_id").notNull(),
		maxConcurrent: integer("max_concurrent").notNull(),
		callsPerSecond: real("calls_per_second").notNull(),
		ringTimeoutS: integer("ring_timeout_s").notNull(),
		maxDurationS: integer("max_duration_s").notNull(),
		/** {busy|no_answer|failed: {delay_s, max_attempts}}. */
		retry: text("retry", { mode: "json" })
			.$type<Record<string, { delay_s: number; max_attempts: number }>>()
			.notNull(),
		/** {time_zone, days: [1..7], start: "HH:MM", end: "HH:MM"} or null for any time. */
		window: text("window", { mode: "json" }).$type<Record<string, unknown> | null>(),
		webhookUrl: text("webhook_url"),
		/** Answering-machine detection: {on_machine, machine_sound_id?}, or null for none. */
		amd: text("amd", { mode: "json" }).$type<{ on_machine: string; machine_sound_id?: string } | null>(),
		/** AES-GCM ciphertext of the webhook signing secret (shown once at creation). */
		webhookSecretEnc: text("webhook_secret_enc"),
		status: text("status", { enum: ["draft", "running", "paused", "completed", "canceled"] }).notNull(),
		/** Counts by state, written by the Campaign DO at each status change. */
		counts: text("counts", { mode: "json" }).$type<Record<string, number>>(),
		startedAt: integer("started_at", { mode: "timestamp_ms" }),
		finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [index("campaigns_owner_idx").on(t.ownerId, t.id)],
);

export type SipTrunkRow = typeof sipTrunks.$inferSelect;
export type SoundRow = typeof sounds.$inferSelect;
export type ContactListRow = typeof contactLists.$inferSelect;
export type CampaignRow = typeof campaigns.$inferSelect;

import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createDb } from "../src/db/client";
import { chatMembers } from "../src/db/schema";
import { RevokedSessions } from "./user-hub/revoked-sessions";

/** A chat-viewing socket as the registry keeps it. */
export type RegisteredView = { chat_id: string; session_id: string; socket_id: string };

/** What a room learns when it reports a view: whether to tell the user's hub, and whether to close the socket. */
export type ViewReply = { online: boolean; revoked: boolean };

/**
 * Views kept per user at most: the oldest go first (only a room that died
 * without closing leaves one behind). A user who ever went past it is
 * remembered (`overflowed`): revoking their sessions asks every chat they are
 * in, since a live socket may be among the views dropped.
 */
export const MAX_VIEWS_PER_USER = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS views (
	user_id TEXT NOT NULL, socket_id TEXT NOT NULL, chat_id TEXT NOT NULL, session_id TEXT NOT NULL, at INTEGER NOT NULL,
	PRIMARY KEY (user_id, socket_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS online (user_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS overflowed (user_id TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/**
 * ViewRegistry: which chat-viewing sockets each user has open, whether the
 * user's UserHub has a socket (is "online"), and sessions revoked lately. A
 * few registries for everyone (`registryOf`, by user), awake under load, so
 * opening or closing a chat's socket costs one small SQLite write here
 * instead of waking the user's UserHub (bench/fanout/README.md "Joins").
 *
 * The hub needs a user's views only while it has a socket (user-hub/views.ts
 * says why), so a room tells the hub of a view only when the registry says
 * the hub is online; a hub coming online reads the user's views here. The
 * registry serialises the two: a view recorded before the hub came online is
 * in the list it reads, one recorded after is told to the hub by its room.
 * Revocation reads a session's views here, and a view of a session revoked
 * lately is answered `revoked` so its room closes the socket.
 *
 * @example const { online, revoked } = await registryOf(env, userId).view(userId, chatId, sessionId, socketId, 1);
 */
export class ViewRegistry extends DurableObject<Env> {
	readonly #sql: SqlStorage;
	/** Sessions revoked lately, as each UserHub keeps them (user-hub/revoked-sessions.ts). */
	readonly #revoked: RevokedSessions;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		this.#sql.exec(SCHEMA);
		this.#revoked = new RevokedSessions(this.#sql);
	}

	/** A room's viewing socket opened (+1) or closed (-1). Repeats and misordered reports change nothing. */
	async view(
		userId: string,
		chatId: string,
		sessionId: string,
		socketId: string,
		delta: 1 | -1,
	): Promise<ViewReply> {
		const now = Date.now();
		const revoked = this.#revoked.has(sessionId, now);
		if (delta === 1 && !revoked) {
			this.#sql.exec(
				"INSERT OR REPLACE INTO views (user_id, socket_id, chat_id, session_id, at) VALUES (?, ?, ?, ?, ?)",
				userId,
				socketId,
				chatId,
				sessionId,
				now,
			);
			this.#cap(userId);
		} else this.#sql.exec("DELETE FROM views WHERE user_id = ? AND socket_id = ?", userId, socketId);
		return { online: this.#online(userId), revoked };
	}

	/**
	 * The user's hub has sockets (`online`) or none. Coming online, it gets the
	 * user's views; a hub that is offline gets none and is told of no view.
	 */
	async hubOnline(userId: string, online: boolean): Promise<RegisteredView[]> {
		if (!online) {
			this.#sql.exec("DELETE FROM online WHERE user_id = ?", userId);
			return [];
		}
		this.#sql.exec("INSERT OR IGNORE INTO online (user_id) VALUES (?)", userId);
		return this.#views(userId);
	}

	/** Whether the user's hub has a socket: events for a hub without one need not wake it. */
	async isOnline(userId: string): Promise<boolean> {
		return this.#online(userId);
	}

	/** The user's views (revocation, tests). */
	async views(userId: string): Promise<RegisteredView[]> {
		return this.#views(userId);
	}

	/**
	 * These sessions were revoked: remembered for an hour (a view opened
	 * meanwhile is answered `revoked`); returns the chats their sockets view
	 * (for a user whose views went past MAX_VIEWS_PER_USER, every chat they are
	 * in: a dropped view may be a live socket).
	 */
	async revoke(userId: string, sessionIds: string[]): Promise<string[]> {
		this.#revoked.add(sessionIds, Date.now());
		const chats = new Set<string>();
		for (const id of sessionIds) {
			for (const r of this.#sql.exec<{ chat_id: string }>(
				"SELECT DISTINCT chat_id FROM views WHERE user_id = ? AND session_id = ?",
				userId,
				id,
			))
				chats.add(r.chat_id);
		}
		if (this.#sql.exec("SELECT 1 FROM overflowed WHERE user_id = ?", userId).toArray().length) {
			const rows = await createDb(this.env.DB)
				.select({ chatId: chatMembers.chatId })
				.from(chatMembers)
				.where(eq(chatMembers.userId, userId));
			for (const r of rows) chats.add(r.chatId);
		}
		return [...chats];
	}

	/** The hub found these viewing sockets closed (user-hub/view-check.ts): forgotten here too. */
	async forget(userId: string, socketIds: string[]): Promise<void> {
		for (const id of socketIds)
			this.#sql.exec("DELETE FROM views WHERE user_id = ? AND socket_id = ?", userId, id);
	}

	#online(userId: string): boolean {
		return this.#sql.exec("SELECT 1 FROM online WHERE user_id = ?", userId).toArray().length > 0;
	}

	#views(userId: string): RegisteredView[] {
		return this.#sql
			.exec<RegisteredView>(
				"SELECT chat_id, session_id, socket_id FROM views WHERE user_id = ? ORDER BY at",
				userId,
			)
			.toArray();
	}

	/** Keeps at most MAX_VIEWS_PER_USER views of a user, dropping the oldest. */
	#cap(userId: string) {
		const n = this.#sql
			.exec<{ n: number }>("SELECT count(*) AS n FROM views WHERE user_id = ?", userId)
			.one().n;
		if (n <= MAX_VIEWS_PER_USER) return;
		this.#sql.exec("INSERT OR IGNORE INTO overflowed (user_id) VALUES (?)", userId);
		this.#sql.exec(
			"DELETE FROM views WHERE user_id = ? AND socket_id IN (SELECT socket_id FROM views WHERE user_id = ? ORDER BY at LIMIT ?)",
			userId,
			userId,
			n - MAX_VIEWS_PER_USER,
		);
	}
}

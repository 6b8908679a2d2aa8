import { ApiError } from "../../src/errors";
import type { RoomStore } from "./store";

export type Member = { role: "owner" | "admin" | "member"; status: "active" | "invited"; muted: boolean };

/**
 * How long the room trusts its member list without asking D1 again. The chat
 * domain tells the room of every change (`membersChanged`), but that call can
 * fail after D1 changed: a removed member then keeps access for at most this
 * long, since the first request after it reloads the list (and closes the
 * viewing sockets of whoever is no longer active). One D1 read per busy room
 * per interval; a quiet room reads nothing.
 */
export const MEMBERS_FRESH_MS = 5_000;

/**
 * Who is in the chat, read from D1 (the source of truth) and cached for
 * MEMBERS_FRESH_MS, or until the chat domain says it changed
 * (`load(chatId, true)`), with the chat's name, which comes along in the
 * same query and is kept in the room's meta. Every load goes to `loaded`,
 * which is where the room makes the list take effect.
 *
 * @example
 * const me = await membership.check(chatId, userId); // throws NOT_FOUND / FORBIDDEN
 * emit(membership.activeIds(), event);
 */
export class Membership {
	private members: Map<string, Member> | null = null;
	/** When `members` was read from D1 (ms). */
	private loadedAt = 0;
	/** When a single member was last patched in (`update`). */
	private patchedAt = 0;
	/** A reload that is out, shared by the requests that found the list stale meanwhile. */
	private loading: Promise<Map<string, Member>> | null = null;
	/** `activeIds()` of the current `members` map (rebuilt when the map is replaced). */
	private active: { members: Map<string, Member> | null; ids: string[] } | null = null;
	private chatName: string | null = null;
	/** The chat's kind, as of the last load (support chats are written through the desk). */
	private chatKind: string | null = null;
	private e2e = false;

	constructor(
		private readonly db: D1Database,
		private readonly store: RoomStore,
		/** Where a new list takes effect; `only`: just this member changed. */
		private readonly loaded: (members: Map<string, Member>, only?: string) => void = () => {},
	) {}

	/**
	 * The cached member list, read from D1 when missing or `force`d. A list
	 * older than MEMBERS_FRESH_MS is still answered, and read again in the
	 * background: a busy room's sends never wait for the whole list (1,000
	 * rows), and a removed member is gone as soon as that read lands.
	 */
	async load(chatId: string, force = false): Promise<Map<string, Member>> {
		if (this.members && !force) {
			if (Date.now() - this.loadedAt >= MEMBERS_FRESH_MS && !this.loading)
				this.reload(chatId).catch(() => {
					// The next request past the bound tries again.
				});
			return this.members;
		}
		return this.reload(chatId, force);
	}

	/** A read of the whole list from D1, shared unless `force`d. Never rejects when in the background. */
	private async reload(chatId: string, force = false): Promise<Map<string, Member>> {
		// A forced load must see a change made after any read already out, so it never shares one.
		if (this.loading && !force) return this.loading;
		const loading = this.read(chatId);
		this.loading = loading;
		try {
			return await loading;
		} finally {
			if (this.loading === loading) this.loading = null;
		}
	}

	/**
	 * One member changed in D1 (`membersChanged` names them): read that row
	 * only and patch the cached list, so adding the thousandth member costs
	 * what adding the tenth did. Before any full load there is nothing to
	 * patch. Returns the member as D1 has them now (undefined: gone).
	 */
	async update(chatId: string, userId: string): Promise<Member | undefined> {
		if (!this.members) return (await this.load(chatId, true)).get(userId);
		const row = await this.db
			.prepare("SELECT role, status, muted FROM chat_members WHERE chat_id = ? AND user_id = ?")
			.bind(chatId, userId)
			.first<{ role: Member["role"]; status: Member["status"]; muted: number }>();
		const members = new Map(this.members);
		this.patchedAt = Date.now();
		const m = row ? { role: row.role, status: row.status, muted: !!row.muted } : undefined;
		if (m) members.set(userId, m);
		else members.delete(userId);
		this.members = members;
		this.loaded(members, userId);
		return m;
	}

	private async read(chatId: string): Promise<Map<string, Member>> {
		const startedAt = Date.now();
		// Raw D1, not drizzle, on purpose: this read is on the accept path tuned for large groups (issue 14),
		// every value is bound, and each JOIN row maps straight to a Member.
		const { results } = await this.db
			.prepare(
				"SELECT m.user_id, m.role, m.status, m.muted, c.name, c.kind, c.e2e FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE m.chat_id = ?",
			)
			.bind(chatId)
			.all<{
				user_id: string;
				role: Member["role"];
				status: Member["status"];
				muted: number;
				name: string | null;
				kind: string;
				e2e: number;
			}>();
		const members = new Map(
			results.map((r) => [r.user_id, { role: r.role, status: r.status, muted: !!r.muted }] as const),
		);
		// A read that started before the list in hand was read (or patched) is older than it: keep the newer one.
		if (this.members && (startedAt < this.loadedAt || startedAt < this.patchedAt)) return this.members;
		this.members = members;
		this.loadedAt = startedAt;
		this.chatName = results[0]?.name ?? "";
		this.chatKind = results[0]?.kind ?? null;
		this.e2e = !!results[0]?.e2e;
		this.store.setMeta("name", this.chatName);
		this.loaded(members);
		return members;
	}

	/** The caller must be an active member; non-members get NOT_FOUND so nothing about the chat leaks. */
	async check(chatId: string, userId: string): Promise<Member> {
		let m = (await this.load(chatId)).get(userId);
		// A member who just joined may predate our cache; D1 decides.
		if (m?.status !== "active") m = (await this.load(chatId, true)).get(userId);
		if (!m) throw new ApiError("NOT_FOUND", "Chat not found");
		if (m.status !== "active") throw new ApiError("FORBIDDEN", "Accept the invitation first");
		return m;
	}

	/** A cached member (undefined before the first load). */
	get(userId: string): Member | undefined {
		return this.members?.get(userId);
	}

	activeIds(): string[] {
		if (this.active?.members !== this.members) {
			const ids = [...(this.members ?? new Map<string, Member>())]
				.filter(([, m]) => m.status === "active")
				.map(([id]) => id);
			this.active = { members: this.members, ids };
		}
		return this.active.ids;
	}

	/** The chat's name, from memory or the room's meta (null before the first load ever). */
	name(): string | null {
		this.chatName ??= this.store.meta("name");
		return this.chatName;
	}

	/** The chat's kind (`direct`, `group`, `support`), known once members were loaded. */
	kind(): string | null {
		return this.chatKind;
	}

	/** Whether the chat is end-to-end encrypted (known after the first load). */
	isE2e(): boolean {
		return this.e2e;
	}

	/** Nobody is a member any more (the chat is being deleted). */
	clear() {
		this.members = new Map();
		this.loadedAt = Date.now();
	}
}

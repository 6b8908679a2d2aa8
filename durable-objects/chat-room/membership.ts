import { ApiError } from "../../src/errors";
import type { RoomStore } from "./store";

export type Member = { role: "owner" | "admin" | "member"; status: "active" | "invited"; muted: boolean };

/**
 * Who is in the chat, read from D1 (the source of truth) and cached until the
 * chat domain says it changed (`load(chatId, true)`), with the chat's name,
 * which comes along in the same query and is kept in the room's meta.
 *
 * @example
 * const me = await membership.check(chatId, userId); // throws NOT_FOUND / FORBIDDEN
 * emit(membership.activeIds(), event);
 */
export class Membership {
	private members: Map<string, Member> | null = null;
	/** `activeIds()` of the current `members` map (rebuilt when the map is replaced). */
	private active: { members: Map<string, Member> | null; ids: string[] } | null = null;
	private chatName: string | null = null;
	private e2e = false;

	constructor(
		private readonly db: D1Database,
		private readonly store: RoomStore,
	) {}

	/** The cached member list, loaded from D1 the first time (or again when `force`). */
	async load(chatId: string, force = false): Promise<Map<string, Member>> {
		if (this.members && !force) return this.members;
		const { results } = await this.db
			.prepare(
				"SELECT m.user_id, m.role, m.status, m.muted, c.name, c.e2e FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE m.chat_id = ?",
			)
			.bind(chatId)
			.all<{
				user_id: string;
				role: Member["role"];
				status: Member["status"];
				muted: number;
				name: string | null;
				e2e: number;
			}>();
		this.members = new Map(
			results.map((r) => [r.user_id, { role: r.role, status: r.status, muted: !!r.muted }]),
		);
		this.chatName = results[0]?.name ?? "";
		this.e2e = !!results[0]?.e2e;
		this.store.setMeta("name", this.chatName);
		return this.members;
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

	/** Whether the chat is end-to-end encrypted (known after the first load). */
	isE2e(): boolean {
		return this.e2e;
	}

	/** Nobody is a member any more (the chat is being deleted). */
	clear() {
		this.members = new Map();
	}
}

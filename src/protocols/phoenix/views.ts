import type { Message } from "@hatch/contract/frames";
import type { UserRow } from "../../db/schema";
import type { ConversationRow, ConversationUser } from "../../domain/e2e/conversations";

/** Phoenix clients have one key per user: their copies are addressed to this device id. */
export const PHOENIX_DEVICE = "phoenix";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A message as the seed's GET /api/messages item and `message:new` payload:
 * the reader's own copy as `content` (the Phoenix device's, else the first).
 *
 * @example items.map(messageItem)
 */
export function messageItem(m: Message) {
	const copies = m.e2e?.copies ?? [];
	const copy = copies.find((c) => c.device_id === PHOENIX_DEVICE) ?? copies[0];
	return {
		id: m.id,
		sender: m.sender_id,
		content: copy?.ciphertext ?? "",
		inserted_at: iso(m.created_at),
		updated_at: iso(m.edited_at ?? m.created_at),
		message_group: m.e2e?.group_id ?? null,
	};
}

export function conversationView(c: ConversationRow) {
	return {
		id: c.id,
		private: c.private,
		alias: c.alias,
		inserted_at: c.createdAt.toISOString(),
		updated_at: c.updatedAt.toISOString(),
	};
}

export function userView(u: ConversationUser | UserRow) {
	return { id: u.id, email: u.email, display_name: u.displayName };
}

/** The signed-in user with the seed's profile fields. */
export function meView(u: UserRow) {
	return {
		id: u.id,
		email: u.email,
		display_name: u.displayName,
		hidden: u.hidden,
		theme: u.theme,
		magnification: u.textScale,
		recents: u.recents,
	};
}

export function profileView(u: UserRow) {
	return { hidden: u.hidden, theme: u.theme, magnification: u.textScale, recents: u.recents };
}

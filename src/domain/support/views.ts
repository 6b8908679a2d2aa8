import type { Message } from "@hatch/contract/frames";
import type { SupportConversation, SupportMessage, SupportSettings } from "@hatch/contract/support-frames";
import type { Conversation } from "./queue";

export const DEFAULT_SETTINGS: SupportSettings = {
	operator_identity: "display_name",
	team_name: "Support",
	show_operator_id: false,
};

/** A conversation as operators see it; `wait_ms` is counted at `now`. */
export function conversationView(c: Conversation, now: number): SupportConversation {
	return {
		id: c.id,
		customer: { ...c.customer, number: c.customer_number },
		status: c.status,
		assignee: c.assignee,
		last_message: c.last_message,
		waiting_since: c.waiting_since,
		wait_ms: c.waiting_since === null ? 0 : Math.max(0, now - c.waiting_since),
		unread: c.unread,
		created_at: c.created_at,
		updated_at: c.updated_at,
		closed_at: c.closed_at,
	};
}

/** Who reads a message: the customer (settings apply) or support (sees everything). */
export type Audience = "customer" | "support";

/**
 * A chat message as the desk shows it. Anything not sent by the customer is
 * from support; `names` maps operator ids to display names.
 */
export function supportMessageView(
	m: Message,
	customerId: string,
	names: (userId: string) => string,
	settings: SupportSettings,
	audience: Audience,
): SupportMessage {
	const fromSupport = m.sender_id !== customerId;
	const toCustomer = audience === "customer";
	const name = !fromSupport
		? ""
		: toCustomer && settings.operator_identity === "team"
			? settings.team_name
			: names(m.sender_id);
	return {
		conversation_id: m.chat_id,
		seq: m.seq,
		text: m.text,
		sender_id: fromSupport && toCustomer && !settings.show_operator_id ? null : m.sender_id,
		sender_name: name,
		is_from_support: fromSupport,
		created_at: m.created_at,
	};
}

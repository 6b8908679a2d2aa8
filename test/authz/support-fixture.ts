import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";

/** Who acts on the support desk, as its matrix names them. */
export const SUPPORT_ROLES = [
	"customer",
	"otherCustomer",
	"stranger",
	"assignee",
	"operator",
	"admin",
] as const;
export type SupportRole = (typeof SUPPORT_ROLES)[number];

/**
 * One support conversation: `customer` wrote to support and `assignee` (an
 * operator) has taken it. `otherCustomer` has a waiting conversation of their
 * own; `stranger` never wrote; `operator` is another operator; `admin` an admin.
 * `customerNumber` is the customer's number at the desk (the seed's user_id).
 */
export type SupportWorld = {
	users: Record<SupportRole, TestUser>;
	conversationId: string;
	otherConversationId: string;
	customerNumber: number;
};

async function ask(user: TestUser, text: string): Promise<string> {
	const res = await api("/v1/support/messages", { method: "POST", headers: user.auth, json: { text } });
	if (res.status !== 201) throw new Error(`support send: ${res.status} ${await res.text()}`);
	return ((await res.json()) as { message: { conversation_id: string } }).message.conversation_id;
}

export async function makeSupportWorld(): Promise<SupportWorld> {
	const [customer, otherCustomer, stranger] = await Promise.all([
		createTestUser({ displayName: "Customer" }),
		createTestUser({ displayName: "Other customer" }),
		createTestUser({ displayName: "Stranger" }),
	]);
	const assignee = await createTestUser({ displayName: "Assignee", role: "operator" });
	const operator = await createTestUser({ displayName: "Operator", role: "operator" });
	const admin = await createTestUser({ displayName: "Admin", role: "admin" });
	const conversationId = await ask(customer, "my order is late");
	const otherConversationId = await ask(otherCustomer, "cannot log in");
	const take = await api(`/v1/support/conversations/${conversationId}/take`, {
		method: "POST",
		headers: assignee.auth,
	});
	if (take.status !== 200) throw new Error(`take: ${take.status} ${await take.text()}`);
	const detail = ((await await take.json()) as { conversation: { customer: { number: number } } })
		.conversation;
	return {
		users: { customer, otherCustomer, stranger, assignee, operator, admin },
		conversationId,
		otherConversationId,
		customerNumber: detail.customer.number,
	};
}

/**
 * The conversation as an admin sees it (record, messages, notes; wait_ms
 * moves with the clock) and its chat as the customer sees it (members
 * included). A refused action must leave both as they were.
 */
export async function supportSnapshot(w: SupportWorld): Promise<string> {
	const admin = w.users.admin.auth;
	const d = (await (
		await api(`/v1/support/conversations/${w.conversationId}`, { headers: admin })
	).json()) as { conversation: Record<string, unknown> };
	const { wait_ms: _w, ...conversation } = d.conversation;
	const chat = (await (
		await api(`/v1/chats/${w.conversationId}`, { headers: w.users.customer.auth })
	).json()) as Record<string, unknown>;
	const { unread: _u, last_read_seq: _r, ...stableChat } = chat;
	return JSON.stringify({ ...d, conversation, chat: stableChat });
}

/**
 * The support queue's rules, pure: `(conversation, event, now) → (conversation, effects)`
 * as src/domain/calls/machine.ts. The SupportDesk Durable Object loads the
 * record, steps it synchronously (so of two operators taking one conversation
 * exactly one wins: the second step sees it assigned), stores it, then
 * performs the effects (chat membership of the assignee in D1).
 */

export type Person = { id: string; name: string };
export type Actor = Person & { role: "user" | "operator" | "admin" };

export type ConversationStatus = "waiting" | "assigned" | "closed";

export type LastMessage = { seq: number; text: string; from_support: boolean; at: number };

export type Conversation = {
	/** The support chat's id (a chat of kind `support` in D1, its messages in its ChatRoom). */
	id: string;
	customer: Person;
	/** The customer's number at this desk: the seed protocol's numeric `user_id`. */
	customer_number: number;
	status: ConversationStatus;
	assignee: Person | null;
	/** When the oldest customer message nobody from support has answered arrived (null: answered). */
	waiting_since: number | null;
	/** Customer messages since support last wrote. */
	unread: number;
	last_message: LastMessage | null;
	created_at: number;
	updated_at: number;
	closed_at: number | null;
	/** When support first answered, for the first-response time. */
	first_response_at: number | null;
};

export type QueueEvent =
	| { type: "customer_message"; message: LastMessage }
	| { type: "support_message"; operator: Person; message: LastMessage }
	| { type: "take"; by: Actor }
	| { type: "transfer"; by: Actor; to: Person | null }
	| { type: "close"; by: Actor };

export type QueueEffect =
	| { type: "member_add"; chat_id: string; user_id: string }
	| { type: "member_remove"; chat_id: string; user_id: string };

export type QueueRefusal = { code: string; status: number; message: string };

export type Step =
	| { ok: true; conversation: Conversation; effects: QueueEffect[] }
	| ({ ok: false } & QueueRefusal);

const refuse = (code: string, status: number, message: string): Step => ({
	ok: false,
	code,
	status,
	message,
});

/** A new conversation, before its first message is applied. */
export function openConversation(
	id: string,
	customer: Person,
	customerNumber: number,
	now: number,
): Conversation {
	return {
		id,
		customer,
		customer_number: customerNumber,
		status: "closed",
		assignee: null,
		waiting_since: null,
		unread: 0,
		last_message: null,
		created_at: now,
		updated_at: now,
		closed_at: null,
		first_response_at: null,
	};
}

/** Whether `by` may act on a conversation assigned to someone: the assignee, or an admin. */
function holds(c: Conversation, by: Actor): boolean {
	return c.assignee?.id === by.id || by.role === "admin";
}

/**
 * Applies one event. Refusals change nothing.
 *
 * @example
 * const r = step(conv, { type: "take", by: op }, Date.now());
 * if (!r.ok) throw new ApiError(r.code, r.message, { status: r.status });
 */
export function step(c: Conversation, event: QueueEvent, now: number): Step {
	const same = (next: Partial<Conversation>, effects: QueueEffect[] = []): Step => ({
		ok: true,
		conversation: { ...c, ...next, updated_at: now },
		effects,
	});
	const drop = (p: Person | null): QueueEffect[] =>
		p ? [{ type: "member_remove", chat_id: c.id, user_id: p.id }] : [];
	const add = (p: Person): QueueEffect[] => [{ type: "member_add", chat_id: c.id, user_id: p.id }];

	switch (event.type) {
		case "customer_message": {
			// A closed conversation reopens into the queue when the customer writes again.
			const reopened = c.status === "closed";
			return same({
				status: reopened ? "waiting" : c.status,
				closed_at: reopened ? null : c.closed_at,
				waiting_since: c.waiting_since ?? event.message.at,
				unread: c.unread + 1,
				last_message: event.message,
			});
		}
		case "support_message":
			return same({
				waiting_since: null,
				unread: 0,
				last_message: event.message,
				first_response_at: c.first_response_at ?? event.message.at,
			});
		case "take": {
			if (c.status === "closed") return refuse("CONVERSATION_CLOSED", 409, "The conversation is closed");
			if (c.assignee?.id === event.by.id) return same({});
			if (c.status === "assigned")
				return refuse("ALREADY_TAKEN", 409, `Another operator (${c.assignee?.name}) has taken it`);
			return same({ status: "assigned", assignee: pick(event.by) }, add(event.by));
		}
		case "transfer": {
			if (c.status !== "assigned" || !holds(c, event.by))
				return refuse("NOT_ASSIGNED", 409, "Only the operator who has the conversation may transfer it");
			const to = event.to;
			if (!to)
				return same(
					{ status: "waiting", assignee: null, waiting_since: c.waiting_since ?? now },
					drop(c.assignee),
				);
			if (to.id === c.assignee?.id) return same({});
			return same({ assignee: pick(to) }, [...drop(c.assignee), ...add(to)]);
		}
		case "close": {
			if (c.status === "closed") return refuse("CONVERSATION_CLOSED", 409, "The conversation is closed");
			if (c.status === "assigned" && !holds(c, event.by))
				return refuse("NOT_ASSIGNED", 409, "Only the operator who has the conversation may close it");
			return same(
				{ status: "closed", assignee: null, waiting_since: null, unread: 0, closed_at: now },
				drop(c.assignee),
			);
		}
	}
}

/** Whether `by` may write to the customer in `c` now (checked before the message is stored). */
export function mayReply(c: Conversation, by: Actor): QueueRefusal | null {
	if (c.status === "closed")
		return { code: "CONVERSATION_CLOSED", status: 409, message: "The conversation is closed" };
	if (c.assignee?.id !== by.id)
		return { code: "NOT_ASSIGNED", status: 409, message: "Take the conversation before replying" };
	return null;
}

function pick(p: Person): Person {
	return { id: p.id, name: p.name };
}

/** The waiting queue, oldest first. */
export function waitingOldestFirst(all: Conversation[]): Conversation[] {
	return all
		.filter((c) => c.status === "waiting")
		.sort((a, b) => (a.waiting_since ?? a.updated_at) - (b.waiting_since ?? b.updated_at));
}

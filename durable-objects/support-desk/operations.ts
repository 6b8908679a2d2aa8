import type { Message } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import type { SupportConversation, SupportMessage } from "@hatch/contract/support-frames";
import { roomOf } from "../../src/domain/chats/deps";
import { applyMembership, createSupportChat } from "../../src/domain/support/chats";
import { isOperator, loadActor } from "../../src/domain/support/identity";
import {
	type Actor,
	type Conversation,
	mayReply,
	openConversation,
	type QueueEvent,
	step,
	waitingOldestFirst,
} from "../../src/domain/support/queue";
import { type Audience, conversationView, supportMessageView } from "../../src/domain/support/views";
import { ApiError } from "../../src/errors";
import { newId } from "../../src/lib/ids";
import { unwrap } from "../../src/lib/result";
import { announceConversation, announceMessage } from "./broadcast";
import type { DeskContext } from "./context";

/** Refuses anyone but operators and admins. */
export function requireOperator(actor: Actor) {
	if (!isOperator(actor.role)) throw new ApiError("FORBIDDEN", "Only support operators may do this");
}

export function load(desk: DeskContext, id: string): Conversation {
	const c = desk.store.get(id);
	if (!c) throw new ApiError("NOT_FOUND", "Conversation not found");
	return c;
}

/** Steps the queue, stores the result, performs its effects and tells operators. */
async function apply(
	desk: DeskContext,
	c: Conversation,
	event: QueueEvent,
	change: string,
): Promise<Conversation> {
	const r = step(c, event, Date.now());
	if (!r.ok) throw new ApiError(r.code, r.message, { status: r.status });
	// Stored before any await: a second take sees this one's result, so exactly one wins.
	desk.store.put(r.conversation);
	if (r.effects.length) await applyMembership(desk.env, desk.db, r.effects);
	announceConversation(desk, r.conversation, change);
	return r.conversation;
}

export function viewMessage(
	desk: DeskContext,
	c: Conversation,
	m: Message,
	audience: Audience,
): SupportMessage {
	return supportMessageView(m, c.customer.id, (id) => desk.store.nameOf(id), desk.store.settings(), audience);
}

/** The customer's support chat, created (chat row and membership in D1) on their first message. */
async function chatFor(desk: DeskContext, customer: Actor): Promise<Conversation> {
	const number = desk.store.customerNumber(customer.id);
	desk.store.rememberName(customer);
	const pending = desk.creating.get(customer.id);
	if (pending) await pending;
	const chatId = desk.store.chatOf(customer.id);
	if (chatId) return load(desk, chatId);
	const id = newId();
	const creation = createSupportChat(desk.db, id, customer.id).then(() => {
		desk.store.setChat(customer.id, id);
		desk.store.put(openConversation(id, customer, number, Date.now()));
	});
	desk.creating.set(customer.id, creation);
	try {
		await creation;
	} finally {
		desk.creating.delete(customer.id);
	}
	return load(desk, id);
}

/** Writes to the support chat's ChatRoom, which takes support messages only from here. */
async function post(
	desk: DeskContext,
	chatId: string,
	senderId: string,
	input: { text: string; client_id?: string },
) {
	const send = { client_id: input.client_id ?? newId(), text: input.text };
	return unwrap(await roomOf(desk.env, chatId).send(chatId, senderId, send, true));
}

/**
 * A customer writes to support: their conversation is created by the first
 * message and reopened by one after it was closed.
 */
export async function customerSend(
	desk: DeskContext,
	customer: Actor,
	input: { text: string; client_id?: string },
	origin?: WebSocket,
): Promise<SupportMessage> {
	const c = await chatFor(desk, customer);
	const { message, duplicate } = await post(desk, c.id, customer.id, input);
	if (duplicate) return viewMessage(desk, c, message, "customer");
	const last = { seq: message.seq, text: message.text, from_support: false, at: message.created_at };
	const after = await apply(desk, load(desk, c.id), { type: "customer_message", message: last }, "message");
	announceMessage(desk, after, message, origin);
	return viewMessage(desk, after, message, "customer");
}

/** An operator answers in a conversation they have taken. */
export async function operatorReply(
	desk: DeskContext,
	op: Actor,
	conversationId: string,
	input: { text: string; client_id?: string },
	origin?: WebSocket,
): Promise<SupportMessage> {
	requireOperator(op);
	const c = load(desk, conversationId);
	const refusal = mayReply(c, op);
	if (refusal) throw new ApiError(refusal.code, refusal.message, { status: refusal.status });
	desk.store.rememberName(op);
	const { message, duplicate } = await post(desk, c.id, op.id, input);
	if (duplicate) return viewMessage(desk, c, message, "support");
	const last = { seq: message.seq, text: message.text, from_support: true, at: message.created_at };
	const waitedSince = load(desk, c.id).waiting_since;
	desk.extras.addReply(
		op.id,
		c.id,
		message.created_at,
		waitedSince === null ? null : message.created_at - waitedSince,
	);
	const after = await apply(
		desk,
		load(desk, c.id),
		{ type: "support_message", operator: op, message: last },
		"message",
	);
	announceMessage(desk, after, message, origin);
	return viewMessage(desk, after, message, "support");
}

export async function take(desk: DeskContext, op: Actor, id: string): Promise<SupportConversation> {
	requireOperator(op);
	desk.store.rememberName(op);
	return conversationView(await apply(desk, load(desk, id), { type: "take", by: op }, "taken"), Date.now());
}

/** Hands the conversation to another operator (`to`), or back to the queue (`to` null). */
export async function transfer(
	desk: DeskContext,
	op: Actor,
	id: string,
	to: string | null,
): Promise<SupportConversation> {
	requireOperator(op);
	const c = load(desk, id);
	let target: Actor | null = null;
	if (to !== null) {
		target = await loadActor(desk.env, to).catch(() => null);
		if (!target || !isOperator(target.role))
			throw new ApiError("NOT_AN_OPERATOR", "Transfer only to an operator", { status: 422 });
		desk.store.rememberName(target);
	}
	const after = await apply(desk, c, { type: "transfer", by: op, to: target }, to ? "transferred" : "queued");
	return conversationView(after, Date.now());
}

export async function close(desk: DeskContext, op: Actor, id: string): Promise<SupportConversation> {
	requireOperator(op);
	return conversationView(await apply(desk, load(desk, id), { type: "close", by: op }, "closed"), Date.now());
}

/** Every message of a conversation, oldest first (read as its customer, who is always a member). */
async function allMessages(desk: DeskContext, c: Conversation): Promise<Message[]> {
	const out: Message[] = [];
	let after = 0;
	for (;;) {
		const page = unwrap(
			await roomOf(desk.env, c.id).history(c.id, c.customer.id, {
				after_seq: after,
				page_size: LIMITS.PAGE_SIZE_MAX,
			}),
		);
		out.push(...page.items);
		if (!page.page_token || !page.items.length) return out;
		after = page.items[page.items.length - 1]?.seq ?? after;
	}
}

/** The customer's own conversation and its messages (none yet: null and []). */
export async function customerHistory(
	desk: DeskContext,
	customer: Actor,
): Promise<{ conversation_id: string | null; messages: SupportMessage[] }> {
	const chatId = desk.store.chatOf(customer.id);
	const c = chatId ? desk.store.get(chatId) : null;
	if (!c) return { conversation_id: null, messages: [] };
	const messages = await allMessages(desk, c);
	return { conversation_id: c.id, messages: messages.map((m) => viewMessage(desk, c, m, "customer")) };
}

/** One conversation with its messages, for operators. */
export async function conversationDetail(desk: DeskContext, op: Actor, id: string) {
	requireOperator(op);
	const c = load(desk, id);
	const messages = await allMessages(desk, c);
	return {
		conversation: conversationView(c, Date.now()),
		messages: messages.map((m) => viewMessage(desk, c, m, "support")),
		notes: desk.extras.notes(c.id),
	};
}

export function queue(desk: DeskContext, op: Actor): SupportConversation[] {
	requireOperator(op);
	const now = Date.now();
	return waitingOldestFirst(desk.store.list({ status: "waiting" })).map((c) => conversationView(c, now));
}

export function listConversations(
	desk: DeskContext,
	op: Actor,
	q: { status?: Conversation["status"] | "open"; mine?: boolean },
): SupportConversation[] {
	requireOperator(op);
	const now = Date.now();
	return desk.store
		.list({ status: q.status, assignee: q.mine ? op.id : undefined })
		.sort((a, b) => b.updated_at - a.updated_at)
		.map((c) => conversationView(c, now));
}

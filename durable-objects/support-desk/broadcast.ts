import { encodeFrame } from "@hatch/contract/codec";
import type { Message } from "@hatch/contract/frames";
import type { SupportEvent } from "@hatch/contract/support-frames";
import { isOperator } from "../../src/domain/support/identity";
import type { Conversation } from "../../src/domain/support/queue";
import { conversationView, supportMessageView } from "../../src/domain/support/views";
import { seedPush } from "../../src/protocols/support/rpc";
import { attachment, type DeskContext, type DeskSocket } from "./context";

/** Sends one native event to a socket; a closing socket is skipped. */
export function sendEvent(ws: WebSocket, a: DeskSocket, event: SupportEvent) {
	try {
		ws.send(encodeFrame(event, a.transport));
	} catch {
		// Closing: it will not be reached again.
	}
}

function sendText(ws: WebSocket, text: string) {
	try {
		ws.send(text);
	} catch {
		// Closing.
	}
}

/** Tells every native operator socket that a conversation changed. */
export function announceConversation(desk: DeskContext, c: Conversation, change: string) {
	const event = {
		type: "support.conversation",
		conversation: conversationView(c, Date.now()),
		change,
	} as const;
	for (const ws of desk.sockets()) {
		const a = attachment(ws);
		if (a?.proto === "native" && a.user && isOperator(a.user.role)) sendEvent(ws, a, event);
	}
}

/**
 * A new message goes to the customer's sockets (customer view) and to
 * operators (support view): every native operator socket, and the seed
 * operator sockets holding the conversation (or any, while it waits). The
 * socket that sent it has its reply already.
 */
export function announceMessage(desk: DeskContext, c: Conversation, m: Message, origin?: WebSocket) {
	const settings = desk.store.settings();
	const names = (id: string) => desk.store.nameOf(id);
	const forCustomer = supportMessageView(m, c.customer.id, names, settings, "customer");
	const forSupport = supportMessageView(m, c.customer.id, names, settings, "support");
	for (const ws of desk.sockets()) {
		if (ws === origin) continue;
		const a = attachment(ws);
		if (!a?.user) continue;
		const customer = a.user.id === c.customer.id;
		const operator = !customer && isOperator(a.user.role);
		if (!customer && !operator) continue;
		const view = customer ? forCustomer : forSupport;
		if (a.proto === "native") {
			sendEvent(ws, a, { type: "support.message", conversation_id: c.id, message: view });
		} else if (customer || c.assignee?.id === a.user.id || c.status === "waiting") {
			sendText(ws, seedPush(view, customer ? null : c.customer_number));
		}
	}
}

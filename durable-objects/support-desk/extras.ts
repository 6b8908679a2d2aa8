import type { SupportCanned, SupportNote } from "@hatch/contract/support-frames";
import { isOperator } from "../../src/domain/support/identity";
import type { Actor, Person } from "../../src/domain/support/queue";
import { operatorStats } from "../../src/domain/support/stats";
import type { Transcript } from "../../src/domain/support/transcript";
import { ApiError } from "../../src/errors";
import { sendEvent } from "./broadcast";
import { attachment, type DeskContext } from "./context";
import { conversationDetail, load, requireOperator } from "./operations";

/** Figures look back this far (the median first response). */
const STATS_WINDOW_MS = 30 * 86_400_000;

/** Adds an internal note (operators only; customers never see notes) and tells every operator socket. */
export function addNote(desk: DeskContext, op: Actor, conversationId: string, text: string): SupportNote {
	requireOperator(op);
	load(desk, conversationId);
	const note = desk.extras.addNote(conversationId, op, text, Date.now());
	for (const ws of desk.sockets()) {
		const a = attachment(ws);
		if (a?.proto === "native" && a.user && isOperator(a.user.role))
			sendEvent(ws, a, { type: "support.note", conversation_id: conversationId, note });
	}
	return note;
}

/** The transcript of a closed conversation: messages and notes (409 CONVERSATION_OPEN before it closes). */
export async function transcript(desk: DeskContext, op: Actor, id: string): Promise<Transcript> {
	requireOperator(op);
	if (load(desk, id).status !== "closed")
		throw new ApiError("CONVERSATION_OPEN", "Close the conversation before exporting it", { status: 409 });
	return conversationDetail(desk, op, id);
}

/** Figures for every operator who holds a conversation or answered one in the window. */
export function stats(desk: DeskContext, op: Actor) {
	requireOperator(op);
	const now = Date.now();
	const replies = desk.extras.replies(now - STATS_WINDOW_MS);
	const assigned = desk.store.list({ status: "assigned" });
	const ids = new Set([
		...replies.map((r) => r.operator_id),
		...assigned.flatMap((c) => (c.assignee ? [c.assignee.id] : [])),
	]);
	const operators: Person[] = [...ids].map((id) => ({ id, name: desk.store.nameOf(id) }));
	return operatorStats(operators, assigned, replies, now).sort((a, b) =>
		a.operator.name.localeCompare(b.operator.name),
	);
}

export function listCanned(desk: DeskContext, op: Actor): SupportCanned[] {
	requireOperator(op);
	return desk.extras.canned(op.id);
}

export function addCanned(
	desk: DeskContext,
	op: Actor,
	input: { title: string; text: string; shared: boolean },
) {
	requireOperator(op);
	return desk.extras.addCanned(op.id, input, Date.now());
}

/** Deletes a canned reply: its owner, or an admin for a shared one. Someone else's private one is not found. */
export function deleteCanned(desk: DeskContext, op: Actor, id: number) {
	requireOperator(op);
	const c = desk.extras.cannedById(id);
	if (!c || (!c.shared && c.owner_id !== op.id)) throw new ApiError("NOT_FOUND", "Canned reply not found");
	if (c.owner_id !== op.id && op.role !== "admin")
		throw new ApiError("FORBIDDEN", "Only its author or an admin may delete a shared reply");
	desk.extras.deleteCanned(id);
}

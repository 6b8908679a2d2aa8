import { actorFromToken } from "../../src/domain/support/identity";
import { ApiError } from "../../src/errors";
import { handleSeedFrame, type SeedPort } from "../../src/protocols/support/rpc";
import { attachment, type DeskContext, type DeskSocket } from "./context";
import * as ops from "./operations";

/**
 * The conversation a seed operator's `message.operatorSend` means: the named
 * customer's (taken first when it waits in the queue), or, unnamed, the one
 * conversation the operator holds.
 */
async function operatorTarget(
	desk: DeskContext,
	a: DeskSocket,
	customer: number | undefined,
): Promise<string> {
	const op = a.user;
	if (!op) throw new ApiError("FORBIDDEN", "Not signed in");
	ops.requireOperator(op);
	if (customer === undefined) {
		const mine = desk.store.list({ status: "assigned", assignee: op.id });
		if (mine.length !== 1)
			throw new ApiError(
				"NO_CONVERSATION",
				mine.length ? "Several conversations: name the customer" : "No conversation taken",
				{
					status: 409,
				},
			);
		return (mine[0] as { id: string }).id;
	}
	const userId = desk.store.customerByNumber(customer);
	const chatId = userId ? desk.store.chatOf(userId) : null;
	const c = chatId ? desk.store.get(chatId) : null;
	if (!c) throw new ApiError("NOT_FOUND", "No such customer conversation");
	if (c.status === "waiting") await ops.take(desk, op, c.id);
	return c.id;
}

/** The desk as one seed socket sees it. */
function portFor(desk: DeskContext, ws: WebSocket, a: DeskSocket): SeedPort {
	const me = () => {
		if (!a.user) throw new ApiError("FORBIDDEN", "Not signed in");
		return a.user;
	};
	return {
		async authenticate(token) {
			const who = await actorFromToken(desk.env, token);
			if (!who) return false;
			a.user = who.actor;
			a.session = who.sessionId;
			ws.serializeAttachment(a);
			return true;
		},
		async history() {
			return (await ops.customerHistory(desk, me())).messages;
		},
		send: (text) => ops.customerSend(desk, me(), { text }, ws),
		async operatorSend(text, customer) {
			const id = await operatorTarget(desk, a, customer);
			return ops.operatorReply(desk, me(), id, { text }, ws);
		},
	};
}

/** A seed socket has this long to send `message.auth` before it is closed (1008). */
export const SEED_AUTH_WINDOW_MS = 30_000;

/** Closes seed sockets that never signed in; returns when to look again (null: none left waiting). */
export function closeUnauthenticated(desk: DeskContext, now: number): number | null {
	let next: number | null = null;
	for (const ws of desk.sockets()) {
		const a = attachment(ws);
		if (a?.proto !== "seed" || a.user) continue;
		const deadline = (a.opened_at ?? 0) + SEED_AUTH_WINDOW_MS;
		if (deadline <= now) ws.close(1008, "Unauthorized");
		else next = Math.min(next ?? deadline, deadline);
	}
	return next;
}

/** One inbound frame of a seed socket (GET /compat/support/ws). */
export async function seedMessage(desk: DeskContext, ws: WebSocket, raw: string | ArrayBuffer) {
	const a = attachment(ws);
	if (!a) return;
	const limited = desk.guard.rateLimit(ws) > 0;
	const out = await handleSeedFrame(raw, a.user !== null, portFor(desk, ws, a), limited);
	if (out.reply) ws.send(out.reply);
	if (out.close) ws.close(out.close.code, out.close.reason);
}

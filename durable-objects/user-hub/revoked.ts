import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { registryOf, roomOf } from "../../src/domain/chats/deps";
import type { HubContext } from "./context";

/**
 * The sessions were revoked (src/domain/auth/revocation.ts decides which):
 * their tickets are refused (D1 and this hub's `revoked`), this hub's sockets of theirs close with 4401, and so do
 * their chat-viewing sockets in every ChatRoom they have open (a view opened
 * in the moment of the revocation is closed by its room: the ViewRegistry
 * answers it `revoked`). Sockets are
 * matched by the session in their attachment (`d` here, `sessionId` in the
 * rooms), which survives hibernation.
 *
 * @example await closeRevoked(hub, ["0193…"]); // { hub: 1, chats: 2 }
 */
export async function closeRevoked(
	hub: HubContext,
	sessionIds: readonly string[],
): Promise<{ hub: number; chats: number }> {
	const ids = new Set(sessionIds);
	hub.revoked.add(sessionIds, Date.now());
	let closed = 0;
	for (const ws of hub.openSockets()) {
		const session = hub.identity(ws).d;
		if (!session || !ids.has(session)) continue;
		try {
			ws.close(CLOSE_CODES.SESSION_REVOKED, "Session revoked");
			closed++;
		} catch {
			// Already closing.
		}
	}
	// The registry has every view of the sessions (the hub only those since it last came online),
	// and answers a view opened from now on `revoked`, so its room closes it.
	const chats = new Set(hub.store.chatsViewedBy(sessionIds));
	try {
		for (const c of await registryOf(hub.env, hub.userId).revoke(hub.userId, [...ids])) chats.add(c);
	} catch (err) {
		hub.log.warn("the view registry did not hear of a revocation", { err: String(err) });
	}
	const results = await Promise.allSettled(
		[...chats].map((chatId) => roomOf(hub.env, chatId).closeSessions(chatId, hub.userId, [...ids])),
	);
	for (const r of results)
		if (r.status === "rejected")
			hub.log.warn("closing a revoked session's chat sockets failed", { err: String(r.reason) });
	return { hub: closed, chats: chats.size };
}

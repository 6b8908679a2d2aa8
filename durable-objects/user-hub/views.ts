/**
 * Chat-viewing sockets and the user's other devices.
 *
 * A ChatRoom writes a chat's events straight to the sockets that have the
 * chat open (GET /v1/chats/{id}/ws) and skips those users' hubs: one RPC
 * per viewer per message would cost a big room more than the writes. But
 * every device must hear every event: when the user also has a hub socket on
 * a *different* device (session) than the ones viewing, that device needs the
 * events too (an `inbox` summary, or full events if it subscribed).
 *
 * So the hub keeps which sessions view which chat while it has a socket, and
 * tells the room, only when the answer changes, whether it still wants that
 * chat's events. Rooms record views in the user's ViewRegistry and tell the
 * hub only while the registry says it is online (user-hub/online.ts keeps
 * that bit; a hub coming online reads the views there), so opening a chat does
 * not wake a hub with no socket (durable-objects/view-registry.ts).
 * A close the hub never hears of is caught by user-hub/view-check.ts. Hub sockets of a
 * viewing session get nothing from the hub for that chat: the chat socket on
 * the same device already shows it.
 */
import { roomOf } from "../../src/domain/chats/deps";
import type { HubContext } from "./context";

/**
 * Whether an open hub socket of a session outside `sessions` exists
 * (`leaving`, a socket being closed, does not count; a socket from before
 * sessions were recorded counts as another device).
 *
 * @example onlineBeyond(hub, new Set([sessionId])) // another device is online
 */
export function onlineBeyond(hub: HubContext, sessions: ReadonlySet<string>, leaving?: WebSocket): boolean {
	for (const ws of hub.openSockets()) {
		if (ws === leaving) continue;
		const d = hub.identity(ws).d;
		if (!d || !sessions.has(d)) return true;
	}
	return false;
}

/** Whether a device that is not viewing `chatId` is online: then this hub wants the chat's events. */
export function wantsChat(hub: HubContext, chatId: string, leaving?: WebSocket): boolean {
	return onlineBeyond(hub, hub.store.viewers(chatId), leaving);
}

/**
 * Viewing socket `socketId` of `sessionId` opened or closed in the chat's
 * room; returns whether the hub (still) wants the chat's events.
 */
export function viewChanged(
	hub: HubContext,
	chatId: string,
	sessionId: string,
	socketId: string,
	delta: 1 | -1,
): boolean {
	hub.store.view(chatId, sessionId, socketId, delta, Date.now());
	const wanted = wantsChat(hub, chatId);
	hub.store.setWanted(chatId, wanted);
	return wanted;
}

/**
 * The hub's sockets changed (a device connected or left): tells each room
 * the user views whose answer flipped. `leaving` is a socket that is closing
 * and must not count.
 */
export async function socketsChanged(hub: HubContext, leaving?: WebSocket): Promise<void> {
	await retell(hub, hub.store.viewedChats(), leaving);
}

/**
 * Tells the room of each of `chats` (with what it was last told) whether the
 * hub wants its events, when that answer flipped.
 */
export async function retell(
	hub: HubContext,
	chats: { chat_id: string; wanted: number | null }[],
	leaving?: WebSocket,
): Promise<void> {
	const calls: Promise<unknown>[] = [];
	for (const { chat_id, wanted } of chats) {
		const now = wantsChat(hub, chat_id, leaving);
		if (wanted !== null && !!wanted === now) continue;
		hub.store.setWanted(chat_id, now);
		calls.push(roomOf(hub.env, chat_id).hubWants(chat_id, hub.userId, now));
	}
	const results = await Promise.allSettled(calls);
	for (const r of results)
		if (r.status === "rejected") hub.log.warn("hubWants failed", { err: String(r.reason) });
}

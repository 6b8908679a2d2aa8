/**
 * Checking the hub's views with the rooms, so a view whose close the hub
 * never heard of (the room crashed or was restarted, its RPC failed, the
 * socket died without a close event) does not starve the device's hub socket
 * of that chat's events forever (user-hub/views.ts says why views exist).
 *
 * The hub asks the chat's room which of the viewing sockets it knows of are
 * still open (`ChatRoom.openViewers`, one RPC per chat, answered from the
 * room's `getWebSockets`) and drops the others. Only sockets named in the
 * question can be dropped, so a view that opens while the question is out is
 * never lost; a room that cannot be reached proves nothing and drops nothing.
 *
 * A view only matters while a hub socket of the same session is open (it
 * keeps that socket from the chat's events, and keeps the room from thinking
 * another device needs them). So the hub checks:
 * - a session's views at once when one of its hub sockets connects;
 * - every view that matters on an alarm every VIEW_LEASE_MS while any does;
 * - any other view unconfirmed for half of VIEW_IDLE_LEASE_MS, on an alarm
 *   at least every VIEW_IDLE_LEASE_MS while views exist (garbage: a device
 *   that never comes back);
 * - a chat's views, as a fallback, when they held back a delivery and none
 *   was confirmed for 2 × VIEW_LEASE_MS (the alarm failed to run).
 * A stale view that matters is gone within about VIEW_LEASE_MS, any other
 * within about VIEW_IDLE_LEASE_MS. Nothing is checked per event: a room with
 * 1,000 viewers whose devices have no hub socket open is asked about 1,000
 * times per VIEW_IDLE_LEASE_MS, one RPC each.
 */
import { registryOf, roomOf } from "../../src/domain/chats/deps";
import type { HubContext } from "./context";
import { retell } from "./views";

/** How often views that matter are confirmed with their rooms. */
export const VIEW_LEASE_MS = 30_000;
/** How often views that hold nothing back are confirmed (so the stale ones do not pile up). */
export const VIEW_IDLE_LEASE_MS = 600_000;

/** Checks under way, per hub and chat: a second trigger joins the first. */
const running = new WeakMap<HubContext, Map<string, Promise<void>>>();

/**
 * Confirms the views of `chatIds` with their rooms and forgets the sockets
 * that are gone; each room whose answer flipped is told (views.ts `retell`).
 *
 * @example await checkViews(hub, ["chat-1"]); // a stale view of chat-1 is gone
 */
export async function checkViews(hub: HubContext, chatIds: Iterable<string>): Promise<void> {
	let mine = running.get(hub);
	if (!mine) {
		mine = new Map();
		running.set(hub, mine);
	}
	const checks: Promise<void>[] = [];
	for (const chatId of new Set(chatIds)) {
		let check = mine.get(chatId);
		if (!check) {
			const map = mine;
			check = checkChat(hub, chatId).finally(() => map.delete(chatId));
			mine.set(chatId, check);
		}
		checks.push(check);
	}
	await Promise.all(checks);
}

async function checkChat(hub: HubContext, chatId: string): Promise<void> {
	const asked = hub.store.viewSockets(chatId);
	if (!asked.length) return;
	let open: string[];
	try {
		open = await roomOf(hub.env, chatId).openViewers(hub.userId, asked);
	} catch (err) {
		hub.log.warn("openViewers failed", { chatId, err: String(err) });
		return;
	}
	const live = new Set(open);
	const gone = asked.filter((id) => !live.has(id));
	hub.store.viewsConfirmed(chatId, open, Date.now());
	if (!gone.length) return;
	hub.log.info("stale views dropped", { chatId, sockets: gone.length });
	hub.store.unview(chatId, gone);
	try {
		await registryOf(hub.env, hub.userId).forget(hub.userId, gone);
	} catch (err) {
		hub.log.warn("forgetting stale views failed", { chatId, err: String(err) });
	}
	await retell(hub, hub.store.viewedChats(chatId));
}

/** Sessions with an open hub socket: the only ones whose views hold anything back. */
function openSessions(hub: HubContext): Set<string> {
	const sessions = new Set<string>();
	for (const ws of hub.openSockets()) {
		const d = hub.identity(ws).d;
		if (d) sessions.add(d);
	}
	return sessions;
}

/** The chats whose views the alarm confirms now: those that matter, and any unconfirmed for long. */
function dueChats(hub: HubContext, now: number): string[] {
	const due = hub.store.chatsViewedBy(openSessions(hub));
	return [...due, ...hub.store.chatsUncheckedSince(now - VIEW_IDLE_LEASE_MS / 2)];
}

/**
 * Makes sure the alarm fires within VIEW_LEASE_MS while a view matters, and
 * within VIEW_IDLE_LEASE_MS while any view exists. An earlier alarm (the
 * calls module's) is kept; the alarm runs both.
 */
export async function armViewCheck(hub: HubContext): Promise<void> {
	if (!hub.store.chatsUncheckedSince(null).length) return;
	const storage = hub.state.storage;
	const current = await storage.getAlarm();
	// Decided after the read, with nothing awaited before the write: two arms that interleave
	// cannot leave the slow alarm in place of a due one.
	const now = Date.now();
	const matters = hub.store.chatsViewedBy(openSessions(hub)).length > 0;
	const at = now + (matters ? VIEW_LEASE_MS : VIEW_IDLE_LEASE_MS);
	if (current === null || current > at || current <= now) await storage.setAlarm(at);
}

/**
 * A hub socket of `sessionId` connected: any view of that session would
 * hold events back from it, so they are confirmed now rather than after a
 * lease (a client reconnects its hub socket after the restarts that leave
 * views stale).
 */
export async function sessionConnected(hub: HubContext, sessionId: string): Promise<void> {
	try {
		if (sessionId) await checkViews(hub, hub.store.chatsViewedBy([sessionId]));
	} finally {
		await armViewCheck(hub);
	}
}

/** The alarm: confirms every view that matters, then re-arms while any still does. Never throws. */
export async function onViewAlarm(hub: HubContext): Promise<void> {
	try {
		await checkViews(hub, dueChats(hub, Date.now()));
		await armViewCheck(hub);
	} catch (err) {
		hub.log.error("UserHub view check failed", { err: String(err) });
	}
}

/**
 * A delivery of `chatId` was held back from a hub socket by a view: if no
 * view of the chat was confirmed for two leases (the alarm did not run),
 * check now, in the background. Synchronous so `deliver` stays in order.
 */
export function heldBack(hub: HubContext, chatId: string): void {
	const oldest = hub.store.oldestViewCheck(chatId);
	if (oldest === null || oldest > Date.now() - 2 * VIEW_LEASE_MS) return;
	hub.state.waitUntil(
		checkViews(hub, [chatId]).catch((err) => hub.log.warn("view check failed", { err: String(err) })),
	);
}

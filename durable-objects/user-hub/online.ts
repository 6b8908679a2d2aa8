/**
 * A hub's sockets came or went: what the rooms the user views, and the
 * user's ViewRegistry, must hear of it (user-hub/views.ts says why views
 * exist; durable-objects/view-registry.ts why they live in the registry).
 */
import { CLOSE_CODES } from "@hatch/contract/close-codes";
import { registryOf } from "../../src/domain/chats/deps";
import type { HubContext } from "./context";
import { sessionConnected } from "./view-check";
import { socketsChanged } from "./views";

/** Registry updates under way, per hub: each waits for the one before, so the last word is the latest. */
const syncing = new WeakMap<HubContext, Promise<boolean>>();
/** Viewing sockets rooms told the hub of while its registry update was out: newer than the registry's answer. */
const toldMeanwhile = new WeakMap<HubContext, Set<string>>();

/**
 * A room told the hub of viewing socket `socketId` (UserHub.viewing): an
 * update of the registry under way must not overwrite what it said.
 */
export function viewTold(hub: HubContext, socketId: string) {
	toldMeanwhile.get(hub)?.add(socketId);
}

/**
 * Tells the user's ViewRegistry whether this hub has an open socket (not
 * counting `leaving`), as of when the update runs: updates go one at a time,
 * so a connect and a close that race leave the registry with the latest.
 * Coming online, the hub's views become the registry's; going offline, they
 * are dropped (rooms stop telling this hub, and it reads them again next
 * time). Never throws: resolves false when the registry was not told.
 *
 * @example await syncOnline(hub); // after a socket opened: views loaded
 */
export function syncOnline(hub: HubContext, leaving?: WebSocket): Promise<boolean> {
	const next = (syncing.get(hub) ?? Promise.resolve()).then(async () => {
		const userId = hub.userId;
		if (!userId) return true;
		const online = hub.openSockets().some((ws) => ws !== leaving);
		// A room that found the hub online in the registry tells the hub while the answer is on its way.
		const told = new Set<string>();
		toldMeanwhile.set(hub, told);
		try {
			const views = await registryOf(hub.env, userId).hubOnline(userId, online);
			hub.store.replaceViews(views, Date.now(), told);
			return true;
		} finally {
			toldMeanwhile.delete(hub);
		}
	});
	const settled = next.catch((err) => {
		hub.log.warn("view registry update failed", { err: String(err) });
		return false;
	});
	syncing.set(hub, settled);
	return settled;
}

/**
 * A hub socket of `session` opened: the registry learns the hub is online
 * and hands over the user's views (awaited, so that once the socket is
 * answered, events for online hubs reach it); then, in the background, each
 * room whose answer flipped is told and the session's own views are
 * confirmed (view-check.ts). A registry that cannot be told would leave the
 * socket deaf to what only online hubs get: it is closed (REOPEN) for the
 * client to reconnect.
 *
 * @example await socketOpened(hub, server, session); // before the 101
 */
export async function socketOpened(hub: HubContext, ws: WebSocket, session: string): Promise<void> {
	if (!(await syncOnline(hub))) {
		try {
			ws.close(CLOSE_CODES.REOPEN, "Reconnect");
		} catch {
			// Already closing.
		}
		return;
	}
	hub.state.waitUntil(
		Promise.all([socketsChanged(hub), session ? sessionConnected(hub, session) : undefined]),
	);
}

/**
 * Hub socket `leaving` is closing: each room whose answer flipped is told,
 * then the registry, which drops the hub's online bit with its last socket.
 */
export async function socketClosed(hub: HubContext, leaving: WebSocket): Promise<void> {
	await socketsChanged(hub, leaving);
	await syncOnline(hub, leaving);
}

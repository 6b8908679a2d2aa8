import type { HubEvent } from "@hatch/contract/frames";
import { createLogger } from "../../lib/log";
import { type ChatDeps, pushToDevices, roomOf } from "./deps";

/**
 * Tells the ChatRoom its membership changed (it reloads its cache) and lets
 * members know. D1 has already changed, so a failure here must not fail the
 * action: the room rereads D1 within MEMBERS_FRESH_MS anyway
 * (durable-objects/chat-room/membership.ts); only the chat.updated event is lost.
 */
export async function membersChanged(
	deps: ChatDeps,
	chatId: string,
	change: string,
	userId?: string,
	broadcast = true,
): Promise<void> {
	try {
		await roomOf(deps.env, chatId).membersChanged(chatId, change, userId, broadcast);
	} catch (err) {
		createLogger({ area: "chats" }, deps.env.LOG_LEVEL).warn("membersChanged failed", {
			chatId,
			change,
			err: String(err),
		});
	}
}

/** One event to one user's devices; best effort (the inbox list is the source of truth). */
export async function tell(deps: ChatDeps, userId: string, event: HubEvent): Promise<void> {
	try {
		await pushToDevices(deps.env, userId, event);
	} catch {
		// The user sees the change on their next chat list; an unreachable hub must not fail the action.
	}
}

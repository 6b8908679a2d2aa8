import { LIMITS } from "@hatch/contract/limits";
import type { RoomContext } from "./context";

/**
 * Typing indicator: ephemeral (never stored), at most one per user per
 * TYPING_THROTTLE_MS; `lastTyped` is the room's memory of when each user's
 * last one went out. Goes to the other active members.
 *
 * @example const { sent } = await signalTyping(room, typingAt, chatId, userId);
 */
export async function signalTyping(
	room: RoomContext,
	lastTyped: Map<string, number>,
	chatId: string,
	userId: string,
): Promise<{ sent: boolean }> {
	await room.member(chatId, userId);
	const now = Date.now();
	if (now - (lastTyped.get(userId) ?? 0) < LIMITS.TYPING_THROTTLE_MS) return { sent: false };
	lastTyped.set(userId, now);
	const others = room.membership.activeIds().filter((u) => u !== userId);
	room.emit(others, {
		type: "typing",
		chat_id: chatId,
		seq: room.store.lastSeq(),
		user_id: userId,
	});
	return { sent: true };
}

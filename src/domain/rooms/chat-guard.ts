import { eq } from "drizzle-orm";
import { rooms } from "../../db/schema";
import { ApiError } from "../../errors";
import type { Db } from "../users/db";

/**
 * A room's chat belongs to its room: who is in it follows the room's
 * membership (room-chats.ts), its name the room's, and it goes with the room.
 * The chats API refuses to change those on it (409 ROOM_CHAT), before any
 * write; reading, sending, muting and leaving (a non-owner) work as in any chat.
 */
export async function refuseRoomChat(db: Db, chatId: string) {
	const [room] = await db.select({ id: rooms.id }).from(rooms).where(eq(rooms.chatId, chatId)).limit(1);
	if (room)
		throw new ApiError("ROOM_CHAT", `This is a room's chat: manage it through /v1/rooms/${room.id}`, {
			status: 409,
		});
}

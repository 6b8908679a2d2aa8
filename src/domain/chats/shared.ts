import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { chatMembers } from "../../db/schema";
import type { Db } from "../users/db";

/**
 * Whether two users are both active members of at least one chat: the
 * "people you know" rule for reaching someone directly (ringing them).
 * Invitations that were not accepted do not count. A user id that does not
 * exist shares nothing, so callers cannot tell it from a stranger.
 *
 * @example if (!(await shareChat(db, callerId, calleeId))) throw refusal;
 */
export async function shareChat(db: Db, a: string, b: string): Promise<boolean> {
	const other = alias(chatMembers, "other");
	const row = await db
		.select({ chatId: chatMembers.chatId })
		.from(chatMembers)
		.innerJoin(
			other,
			and(eq(other.chatId, chatMembers.chatId), eq(other.userId, b), eq(other.status, "active")),
		)
		.where(and(eq(chatMembers.userId, a), eq(chatMembers.status, "active")))
		.limit(1)
		.get();
	return row !== undefined;
}

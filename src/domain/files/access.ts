import { and, eq, or, sql } from "drizzle-orm";
import { chatMembers, type FileRow, fileAttachments, files } from "../../db/schema";
import type { FilesDb as Db } from "./db";

/**
 * SQL condition: `userId` may read the file in the current `files` row,
 * being its uploader or an active member of a chat where it was attached.
 * Invited (not yet joined) members cannot.
 */
export function canReadFile(userId: string) {
	return or(
		eq(files.ownerId, userId),
		sql`exists (select 1 from ${fileAttachments} join ${chatMembers} on ${chatMembers.chatId} = ${fileAttachments.chatId}
			where ${fileAttachments.fileId} = ${files.id} and ${chatMembers.userId} = ${userId} and ${chatMembers.status} = 'active')`,
	);
}

/**
 * A ready file `userId` may read, or undefined: callers answer 404 either
 * way, so a file's existence never leaks to someone who may not see it.
 *
 * @example const file = await findReadableFile(db, fileId, auth.userId);
 */
export async function findReadableFile(db: Db, fileId: string, userId: string): Promise<FileRow | undefined> {
	const [row] = await db
		.select()
		.from(files)
		.where(and(eq(files.id, fileId), eq(files.status, "ready"), canReadFile(userId)))
		.limit(1);
	return row;
}

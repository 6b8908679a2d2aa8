import { and, desc, eq, lt } from "drizzle-orm";
import { type FileRow, fileAttachments, files } from "../../db/schema";
import { ApiError } from "../../errors";
import type { Logger } from "../../lib/log";
import { findReadableFile } from "./access";
import type { FilesDb as Db } from "./db";
import { fileNotFound } from "./errors";

/** What a ChatRoom offers the files area (implemented by durable-objects/chat-room.ts). */
export type AttachmentTombstones = { markAttachmentDeleted(fileId: string): Promise<unknown> };

/**
 * A page of the caller's own files, newest first. The cursor is the last
 * id of the previous page (ids are UUIDv7, so they sort by time).
 *
 * @example const { items, next_cursor } = await listOwnFiles(db, userId, { limit: 50 });
 */
export async function listOwnFiles(
	db: Db,
	ownerId: string,
	q: { limit: number; cursor?: string; status: "ready" | "uploading" },
): Promise<{ rows: FileRow[]; nextCursor: string | null }> {
	const rows = await db
		.select()
		.from(files)
		.where(
			and(
				eq(files.ownerId, ownerId),
				eq(files.status, q.status),
				q.cursor ? lt(files.id, q.cursor) : undefined,
			),
		)
		.orderBy(desc(files.id))
		.limit(q.limit + 1);
	const page = rows.slice(0, q.limit);
	return { rows: page, nextCursor: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
}

/**
 * Deletes a file for good: only its uploader may. The row becomes a
 * tombstone first (so nobody can fetch it from that instant), then the
 * blob goes, then every chat it was shared in marks the messages carrying
 * it as "file deleted". Someone who cannot see the file gets 404; a chat
 * member who can see it but did not upload it gets 403.
 *
 * @example await deleteFile({ db, bucket: env.FILES, chatRoom: (id) => roomOf(env, id), log }, { userId, fileId });
 */
export async function deleteFile(
	deps: { db: Db; bucket: R2Bucket; chatRoom: (chatId: string) => AttachmentTombstones; log?: Logger },
	input: { userId: string; fileId: string },
): Promise<{ chats: number }> {
	const file = await findReadableFile(deps.db, input.fileId, input.userId);
	if (!file) throw fileNotFound();
	if (file.ownerId !== input.userId) throw new ApiError("FORBIDDEN", "Only the uploader can delete a file");
	const [gone] = await deps.db
		.update(files)
		.set({ status: "deleted", deletedAt: new Date() })
		.where(and(eq(files.id, file.id), eq(files.status, "ready")))
		.returning({ id: files.id });
	if (!gone) throw fileNotFound();
	await deps.bucket.delete(file.r2Key);

	const chats = await deps.db
		.selectDistinct({ chatId: fileAttachments.chatId })
		.from(fileAttachments)
		.where(eq(fileAttachments.fileId, file.id));
	const results = await Promise.allSettled(
		chats.map((c) => deps.chatRoom(c.chatId).markAttachmentDeleted(file.id)),
	);
	results.forEach((r, i) => {
		// The file is gone either way; a room that missed the news still serves no bytes for it.
		if (r.status === "rejected") {
			deps.log?.error("markAttachmentDeleted failed", { chatId: chats[i]?.chatId, error: String(r.reason) });
		}
	});
	return { chats: chats.length };
}

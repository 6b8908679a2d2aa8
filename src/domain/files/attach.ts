import { and, eq, inArray } from "drizzle-orm";
import { fileAttachments, files } from "../../db/schema";
import { ApiError } from "../../errors";
import { canReadFile } from "./access";
import type { FilesDb as Db } from "./db";
import { fileError } from "./errors";

/** What a message carries about each attached file. */
export type FileSummary = { id: string; name: string; size: number; content_type: string };

/** Most files one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/**
 * Links files to a message being sent in `chatId`, which is how a file is
 * shared: from then on every active member of the chat may read it. Each
 * file must exist, be fully uploaded and be readable by the sender (their
 * own, or shared with them in another chat, so forwarding works); otherwise
 * throws `FILE_NOT_FOUND` (404, `details.fileId`) and links nothing.
 * Idempotent for the same message. The caller has already checked that the
 * sender is an active member of `chatId`.
 *
 * @example
 * const attachments = await attachFilesToMessage(db, { userId, chatId, messageId, fileIds });
 * // [{ id, name, size, content_type }] in the order of fileIds
 */
export async function attachFilesToMessage(
	db: Db,
	input: { userId: string; chatId: string; messageId: string; fileIds: string[] },
): Promise<FileSummary[]> {
	const ids = [...new Set(input.fileIds)];
	if (ids.length === 0) return [];
	if (ids.length > MAX_ATTACHMENTS_PER_MESSAGE) {
		throw new ApiError("VALIDATION_FAILED", `A message carries at most ${MAX_ATTACHMENTS_PER_MESSAGE} files`);
	}
	const rows = await db
		.select({ id: files.id, name: files.name, size: files.size, contentType: files.contentType })
		.from(files)
		.where(and(inArray(files.id, ids), eq(files.status, "ready"), canReadFile(input.userId)));
	const byId = new Map(rows.map((r) => [r.id, r]));
	const missing = ids.find((id) => !byId.has(id));
	if (missing) throw fileError("FILE_NOT_FOUND", "File not found", { details: { fileId: missing } });

	const createdAt = new Date();
	await db
		.insert(fileAttachments)
		.values(ids.map((fileId) => ({ fileId, chatId: input.chatId, messageId: input.messageId, createdAt })))
		.onConflictDoNothing();
	return ids.map((id) => {
		const r = byId.get(id) as (typeof rows)[number];
		return {
			id: r.id,
			name: r.name,
			size: r.size,
			content_type: r.contentType ?? "application/octet-stream",
		};
	});
}

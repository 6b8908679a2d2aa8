import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { chats } from "./chats";
import { users } from "./users";

/**
 * File metadata; the bytes live in R2 under `r2_key`. A row is `uploading`
 * while a resumable (R2 multipart) upload is open, `ready` once its bytes are
 * complete, and `deleted` after its owner deletes it: the row stays as a
 * tombstone so messages that referenced it can still say "file deleted".
 * `size` of an `uploading` row is the declared size, which counts against the
 * owner's quota until the upload completes, is aborted or expires.
 */
export const files = sqliteTable(
	"files",
	{
		id: text("id").primaryKey(),
		ownerId: text("owner_id")
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		r2Key: text("r2_key").notNull().unique(),
		name: text("name").notNull(),
		size: integer("size").notNull(),
		/** Sniffed from the first bytes, never taken from the client. */
		contentType: text("content_type"),
		/** Lowercase hex SHA-256 of the whole content; null until ready. */
		sha256: text("sha256"),
		status: text("status", { enum: ["uploading", "ready", "deleted"] }).notNull(),
		/** R2 multipart upload id while `uploading`. */
		uploadId: text("upload_id"),
		/** Part size chosen at creation for resumable uploads. */
		partSize: integer("part_size"),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
		deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
	},
	(t) => [index("files_owner_status_idx").on(t.ownerId, t.status, t.id)],
);

/** Parts of an open resumable upload, recorded once R2 has stored them (the R2 binding cannot list parts). */
export const fileUploadParts = sqliteTable(
	"file_upload_parts",
	{
		fileId: text("file_id")
			.notNull()
			.references(() => files.id, { onDelete: "cascade" }),
		partNumber: integer("part_number").notNull(),
		size: integer("size").notNull(),
		/** R2's etag for the part, needed to complete the upload. */
		etag: text("etag").notNull(),
		sha256: text("sha256").notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [primaryKey({ columns: [t.fileId, t.partNumber] })],
);

/**
 * Where a file was shared: one row per message that attached it. Members of
 * `chat_id` may read the file.
 */
export const fileAttachments = sqliteTable(
	"file_attachments",
	{
		fileId: text("file_id")
			.notNull()
			.references(() => files.id, { onDelete: "cascade" }),
		chatId: text("chat_id")
			.notNull()
			.references(() => chats.id, { onDelete: "cascade" }),
		messageId: text("message_id").notNull(),
		createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.fileId, t.chatId, t.messageId] }),
		index("file_attachments_chat_idx").on(t.chatId, t.fileId),
	],
);

export type FileRow = typeof files.$inferSelect;
export type FileUploadPartRow = typeof fileUploadParts.$inferSelect;
export type FileAttachmentRow = typeof fileAttachments.$inferSelect;

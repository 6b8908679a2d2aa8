import type { FileInfo } from "@hatch/contract/files";
import { and, eq, sql } from "drizzle-orm";
import { type FileRow, files } from "../../db/schema";
import type { FilesDb as Db } from "./db";

/** How long a resumable upload stays open (R2 aborts unfinished multipart uploads after 7 days). */
export const UPLOAD_TTL_MS = 7 * 24 * 3600 * 1000;

/** What counts against a quota: ready files and uploads still open. */
function countedAgainstQuota(ownerId: string, now: number) {
	return sql`${files.ownerId} = ${ownerId} and (${files.status} = 'ready' or (${files.status} = 'uploading' and ${files.createdAt} > ${now - UPLOAD_TTL_MS}))`;
}

/** Bytes `ownerId` is using now. */
export async function quotaUsed(db: Db, ownerId: string, now = Date.now()): Promise<number> {
	const [row] = await db
		.select({ used: sql<number>`coalesce(sum(${files.size}), 0)` })
		.from(files)
		.where(countedAgainstQuota(ownerId, now));
	return Number(row?.used ?? 0);
}

export type NewFile = Omit<FileRow, "deletedAt" | "createdAt"> & { createdAt: Date };

/**
 * Inserts the row only if the owner stays within `quotaBytes`, in one
 * statement, so two uploads racing each other cannot both squeeze in.
 * Returns false (nothing inserted) when the quota would be exceeded.
 */
export async function insertWithinQuota(db: Db, row: NewFile, quotaBytes: number): Promise<boolean> {
	const now = row.createdAt.getTime();
	const res = await db.run(sql`insert into ${files}
		(id, owner_id, r2_key, name, size, content_type, sha256, status, upload_id, part_size, created_at)
		select ${row.id}, ${row.ownerId}, ${row.r2Key}, ${row.name}, ${row.size}, ${row.contentType}, ${row.sha256},
			${row.status}, ${row.uploadId}, ${row.partSize}, ${now}
		where (select coalesce(sum(${files.size}), 0) from ${files} where ${countedAgainstQuota(row.ownerId, now)}) + ${row.size} <= ${quotaBytes}`);
	return (res.meta.changes ?? 0) > 0;
}

/** The owner's file in a given state, or undefined. */
export async function findOwnFile(
	db: Db,
	id: string,
	ownerId: string,
	status: FileRow["status"],
): Promise<FileRow | undefined> {
	const [row] = await db
		.select()
		.from(files)
		.where(and(eq(files.id, id), eq(files.ownerId, ownerId), eq(files.status, status)))
		.limit(1);
	return row;
}

export type { FileInfo };

/** @example c.json(fileInfo(row), 201) */
export function fileInfo(row: FileRow): FileInfo {
	return {
		id: row.id,
		name: row.name,
		size: row.size,
		content_type: row.contentType ?? "application/octet-stream",
		checksum: row.sha256 ?? "",
		owner_id: row.ownerId,
		created_at: row.createdAt.toISOString(),
	};
}

/** Where a user's file lives in R2. */
export function r2KeyOf(ownerId: string, fileId: string): string {
	return `files/${ownerId}/${fileId}`;
}

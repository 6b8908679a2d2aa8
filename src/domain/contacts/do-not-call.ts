import { and, asc, eq, gt } from "drizzle-orm";
import { doNotCall } from "../../db/schema";
import type { VoiceDb } from "../campaigns/db";

/** 3 parameters per row: a statement of 30 rows stays under D1's 100 bound parameters. */
const ROWS_PER_INSERT = 30;

/**
 * Adds E.164 numbers to the owner's do-not-call list; numbers already there
 * are left as they are.
 *
 * @example await addDoNotCall(db, userId, ["+15551234567"]);
 */
export async function addDoNotCall(db: VoiceDb, ownerId: string, numbers: string[]): Promise<void> {
	const createdAt = new Date();
	for (let i = 0; i < numbers.length; i += ROWS_PER_INSERT) {
		await db
			.insert(doNotCall)
			.values(numbers.slice(i, i + ROWS_PER_INSERT).map((number) => ({ ownerId, number, createdAt })))
			.onConflictDoNothing();
	}
}

/**
 * The owner's do-not-call numbers in number order, after `after` (a page
 * token's number), at most `limit`.
 *
 * @example const rows = await listDoNotCall(db, userId, q.page_size + 1, after);
 */
export async function listDoNotCall(db: VoiceDb, ownerId: string, limit: number, after?: string | null) {
	const owner = eq(doNotCall.ownerId, ownerId);
	return db.query.doNotCall.findMany({
		where: after ? and(owner, gt(doNotCall.number, after)) : owner,
		orderBy: asc(doNotCall.number),
		limit,
	});
}

/** Removes one number from the owner's list (nothing happens when it was not there). */
export async function removeDoNotCall(db: VoiceDb, ownerId: string, number: string): Promise<void> {
	await db.delete(doNotCall).where(and(eq(doNotCall.ownerId, ownerId), eq(doNotCall.number, number)));
}

import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { type ContactListRow, contactLists, contacts } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import type { VoiceDb } from "../campaigns/db";
import { normalizeContacts } from "./normalize";
import type { RawContact } from "./parse";
import { loadDoNotCall, storeContacts } from "./store";

/** Most rows one upload may carry. */
export const MAX_CONTACT_ROWS = 200_000;

/** @example listView(row) // { id, name, contact_count, stats: {...} } */
export function listView(l: ContactListRow) {
	return {
		id: l.id,
		name: l.name,
		default_region: l.defaultRegion,
		contact_count: l.contactCount,
		stats: l.stats,
		created_at: l.createdAt.toISOString(),
	};
}

/**
 * Imports parsed rows as a new list: E.164, duplicates merged, do-not-call
 * numbers left out, invalid rows reported by line. The list row and every
 * contact are written in one D1 batch, so a failure stores nothing; a list
 * with no callable number at all is refused.
 *
 * @example const { list, rejected } = await importContactList(env, userId, { name, region: "US", rows, meta });
 */
export async function importContactList(
	env: Env,
	ownerId: string,
	input: { name: string; region: string; rows: RawContact[]; meta: Record<string, unknown> },
) {
	if (input.rows.length === 0)
		throw new ApiError("CONTACTS_EMPTY", "The upload has no contacts", { status: 422 });
	if (input.rows.length > MAX_CONTACT_ROWS) {
		throw new ApiError("CONTACTS_TOO_MANY", `A list holds at most ${MAX_CONTACT_ROWS} rows`, { status: 413 });
	}
	const dnc = await loadDoNotCall(env.DB, ownerId);
	const result = normalizeContacts(input.rows, input.region, dnc);
	const stats = {
		...input.meta,
		rows: input.rows.length,
		valid: result.contacts.length,
		invalid: result.invalid,
		duplicates: result.duplicates,
		do_not_call: result.doNotCall,
	};
	if (result.contacts.length === 0) {
		throw new ApiError("CONTACTS_NONE_VALID", "No row has a valid, callable phone number", {
			status: 422,
			details: { stats, rejected: result.rejected },
		});
	}
	const list: ContactListRow = {
		id: newId(),
		ownerId,
		name: input.name,
		defaultRegion: input.region,
		stats,
		contactCount: result.contacts.length,
		createdAt: new Date(),
	};
	const insertList = env.DB.prepare(
		"INSERT INTO contact_lists (id, owner_id, name, default_region, stats, contact_count, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	).bind(
		list.id,
		ownerId,
		list.name,
		list.defaultRegion,
		JSON.stringify(stats),
		list.contactCount,
		list.createdAt.getTime(),
	);
	await storeContacts(env.DB, list.id, result.contacts, [insertList]);
	return { list, rejected: result.rejected };
}

/** The caller's list, or 404 (also when it belongs to someone else). */
export async function getOwnedList(db: VoiceDb, ownerId: string, id: string): Promise<ContactListRow> {
	const row = await db.query.contactLists.findFirst({
		where: and(eq(contactLists.id, id), eq(contactLists.ownerId, ownerId)),
	});
	if (!row) throw new ApiError("NOT_FOUND", "Contact list not found");
	return row;
}

export async function listLists(db: VoiceDb, ownerId: string, limit: number, before?: string) {
	return db.query.contactLists.findMany({
		where: before
			? and(eq(contactLists.ownerId, ownerId), lt(contactLists.id, before))
			: eq(contactLists.ownerId, ownerId),
		orderBy: desc(contactLists.id),
		limit,
	});
}

/**
 * A page of a list's numbers alone in upload order, as a campaign snapshots
 * them; `after` is the last id seen.
 *
 * @example const page = await listNumbers(db, listId, 5000, lastId);
 */
export async function listNumbers(db: VoiceDb, listId: string, limit: number, after = 0) {
	return db
		.select({ id: contacts.id, number: contacts.number })
		.from(contacts)
		.where(and(eq(contacts.listId, listId), gt(contacts.id, after)))
		.orderBy(asc(contacts.id))
		.limit(limit);
}

/** A page of a list's contacts in upload order; `after` is the last id seen. */
export async function listContacts(db: VoiceDb, listId: string, limit: number, after = 0) {
	const rows = await db.query.contacts.findMany({
		where: and(eq(contacts.listId, listId), gt(contacts.id, after)),
		orderBy: asc(contacts.id),
		limit,
	});
	return rows.map((r) => ({
		id: r.id,
		number: r.number,
		name: r.name,
		comment: r.comment,
		fields: r.fields ?? {},
		line: r.line,
	}));
}

export async function deleteList(env: Env, listId: string): Promise<void> {
	await env.DB.batch([
		env.DB.prepare("DELETE FROM contacts WHERE list_id = ?1").bind(listId),
		env.DB.prepare("DELETE FROM contact_lists WHERE id = ?1").bind(listId),
	]);
}

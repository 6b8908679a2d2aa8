import type { Contact } from "./normalize";

/** Rows per INSERT: one JSON parameter carries them, well under D1's statement and value limits. */
const ROWS_PER_STATEMENT = 2000;

/**
 * Writes a list's contacts to D1. D1 allows at most 100 bound parameters
 * per statement, so instead of one parameter per column each statement binds
 * a single JSON array of rows and expands it with `json_each`; all the
 * statements run in one batch (one transaction), so a failed import leaves
 * nothing behind. 100,000 contacts are 50 statements.
 *
 * @example await storeContacts(env.DB, listId, contacts);
 */
export async function storeContacts(
	db: D1Database,
	listId: string,
	contacts: Contact[],
	extra: D1PreparedStatement[] = [],
): Promise<void> {
	const statements: D1PreparedStatement[] = [...extra];
	for (let i = 0; i < contacts.length; i += ROWS_PER_STATEMENT) {
		const chunk = contacts
			.slice(i, i + ROWS_PER_STATEMENT)
			.map((c) => [
				c.number,
				c.name ?? null,
				c.comment ?? null,
				c.fields ? JSON.stringify(c.fields) : null,
				c.line,
			]);
		statements.push(
			db
				.prepare(
					`INSERT INTO contacts (list_id, number, name, comment, fields, line)
					 SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?2)`,
				)
				.bind(listId, JSON.stringify(chunk)),
		);
	}
	await db.batch(statements);
}

/** The account's do-not-call numbers among `numbers` (or all of them when `numbers` is omitted). */
export async function loadDoNotCall(
	db: D1Database,
	ownerId: string,
	numbers?: string[],
): Promise<Set<string>> {
	if (numbers && numbers.length === 0) return new Set();
	const rows = numbers
		? await db
				.prepare(
					"SELECT number FROM do_not_call WHERE owner_id = ?1 AND number IN (SELECT value FROM json_each(?2))",
				)
				.bind(ownerId, JSON.stringify(numbers))
				.all<{ number: string }>()
		: await db
				.prepare("SELECT number FROM do_not_call WHERE owner_id = ?1")
				.bind(ownerId)
				.all<{ number: string }>();
	return new Set(rows.results.map((r) => r.number));
}

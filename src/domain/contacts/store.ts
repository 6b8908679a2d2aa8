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
		const json = JSON.stringify(contacts.slice(i, i + ROWS_PER_STATEMENT).map(row));
		statements.push(
			db
				.prepare(
					`INSERT INTO contacts (list_id, line, number, name, comment, fields)
					 SELECT ?1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?2)`,
				)
				.bind(listId, json),
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

/**
 * A contact as one `json_each` element: line and number first, trailing empty columns left out
 * (`->>` past the end is NULL), and fields as an object, not a string inside the string, which
 * would escape each of its quotes twice over. SQLite's `->>` gives an object back as JSON text.
 */
function row(c: Contact): unknown[] {
	if (c.fields) return [c.line, c.number, c.name ?? null, c.comment ?? null, c.fields];
	if (c.comment) return [c.line, c.number, c.name ?? null, c.comment];
	return c.name ? [c.line, c.number, c.name] : [c.line, c.number];
}

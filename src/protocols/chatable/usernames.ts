import type { Db } from "../../domain/users/db";
import { getUsersByIds } from "../../domain/users/users";

/** Chatable names people by username; accounts made elsewhere without one show their id. */
export async function usernamesOf(db: Db, ids: string[]): Promise<Map<string, string>> {
	const rows = await getUsersByIds(db, ids.filter(Boolean));
	return new Map(rows.map((u) => [u.id, u.username ?? u.id]));
}

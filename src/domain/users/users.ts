import { and, asc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import { type UserRow, users } from "../../db/schema";
import type { Role } from "../../env";
import { ApiError } from "../../errors";
import { newId } from "../../lib/ids";
import { decodePageToken, encodePageToken, UUID_CURSOR } from "../../lib/page-token";
import type { Db } from "./db";
import { searchNameOf } from "./views";

export type NewUser = {
	email?: string | null;
	emailVerified?: boolean;
	phone?: string | null;
	/** Stored lowercased; unique. */
	username?: string | null;
	passwordHash?: string | null;
	displayName: string;
	firstName?: string | null;
	lastName?: string | null;
	age?: number | null;
	gender?: "male" | "female" | "other" | null;
};

/**
 * Creates an account. The role is always `user`: no self-service path can
 * pass another one (admins are made by scripts/admin-create.mjs or by an
 * admin through the API).
 *
 * @example const user = await createUser(db, { email, passwordHash, displayName: email });
 */
export async function createUser(db: Db, input: NewUser, now = new Date()): Promise<UserRow> {
	const row = {
		id: newId(now.getTime()),
		email: input.email ?? null,
		emailVerifiedAt: input.emailVerified ? now : null,
		phone: input.phone ?? null,
		username: input.username?.toLowerCase() ?? null,
		passwordHash: input.passwordHash ?? null,
		displayName: input.displayName,
		firstName: input.firstName ?? null,
		lastName: input.lastName ?? null,
		age: input.age ?? null,
		gender: input.gender ?? null,
		role: "user" as const,
		searchName: searchNameOf(input),
		createdAt: now,
		updatedAt: now,
	};
	const [created] = await db.insert(users).values(row).returning();
	if (!created) throw new ApiError("INTERNAL", "Could not create the account");
	return created;
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
	return db.select().from(users).where(eq(users.id, id)).get();
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
	return db
		.select()
		.from(users)
		.where(eq(users.email, normalizeEmail(email)))
		.get();
}

export async function findUserByPhone(db: Db, phone: string): Promise<UserRow | undefined> {
	return db.select().from(users).where(eq(users.phone, phone)).get();
}

/** Emails are compared and stored lowercased and trimmed. */
export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

/** @throws NOT_FOUND when the user does not exist. */
export async function getUser(db: Db, id: string): Promise<UserRow> {
	const user = await findUserById(db, id);
	if (!user) throw new ApiError("NOT_FOUND", "User not found");
	return user;
}

export type ProfilePatch = Partial<{
	displayName: string;
	firstName: string | null;
	lastName: string | null;
	age: number | null;
	gender: "male" | "female" | "other" | null;
	theme: "day" | "night";
	textScale: number;
	recents: string[];
	hidden: boolean;
}>;

/**
 * Applies a profile change and keeps `search_name` in step with the names.
 *
 * @example await updateProfile(db, userId, { theme: "night" });
 */
export async function updateProfile(db: Db, id: string, patch: ProfilePatch): Promise<UserRow> {
	const current = await getUser(db, id);
	// Absent fields stay as they are (undefined must not blank a name).
	const changes = Object.fromEntries(
		Object.entries(patch).filter(([, v]) => v !== undefined),
	) as ProfilePatch;
	const next = { ...current, ...changes };
	const [row] = await db
		.update(users)
		.set({ ...changes, searchName: searchNameOf(next), updatedAt: new Date() })
		.where(eq(users.id, id))
		.returning();
	if (!row) throw new ApiError("NOT_FOUND", "User not found");
	return row;
}

export async function setRole(db: Db, id: string, role: Role): Promise<UserRow> {
	const [row] = await db
		.update(users)
		.set({ role, updatedAt: new Date() })
		.where(eq(users.id, id))
		.returning();
	if (!row) throw new ApiError("NOT_FOUND", "User not found");
	return row;
}

/** Public info for up to 100 ids; unknown ids are simply absent. */
export async function getUsersByIds(db: Db, ids: string[]): Promise<UserRow[]> {
	if (ids.length === 0) return [];
	return db
		.select()
		.from(users)
		.where(inArray(users.id, [...new Set(ids)]))
		.orderBy(asc(users.id));
}

/**
 * A page of users, optionally matching `query` in their names, in id
 * (= creation) order. The page token is the opaque last id seen.
 *
 * @example const { items, nextPageToken } = await listUsers(db, { query: "ann", pageSize: 20 });
 */
export async function listUsers(
	db: Db,
	opts: { query?: string; pageToken?: string; pageSize: number },
): Promise<{ items: UserRow[]; nextPageToken: string | null }> {
	const where: SQL[] = [];
	if (opts.query) {
		const escaped = opts.query.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`);
		// SQLite LIKE has no default escape character; name one so % and _ match literally.
		where.push(sql`${users.searchName} like ${`%${escaped}%`} escape '\\'`);
	}
	const after = decodePageToken(opts.pageToken, UUID_CURSOR);
	if (after) where.push(gt(users.id, after));
	const rows = await db
		.select()
		.from(users)
		.where(and(...where))
		.orderBy(asc(users.id))
		.limit(opts.pageSize + 1);
	const items = rows.slice(0, opts.pageSize);
	const last = items.at(-1);
	return { items, nextPageToken: rows.length > opts.pageSize && last ? encodePageToken(last.id) : null };
}

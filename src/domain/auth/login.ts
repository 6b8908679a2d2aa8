import { eq } from "drizzle-orm";
import { type UserRow, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { Db } from "../users/db";
import { findUserByEmail } from "../users/users";
import { hashPassword, needsRehash, verifyPassword } from "./password";

/**
 * Checks an email (or username) and password. Unknown accounts and
 * password-less (phone) accounts cost the same PBKDF2 work and get the same
 * error as a wrong password, so neither the answer nor its timing tells
 * whether the account exists.
 *
 * @throws INVALID_CREDENTIALS
 * @example const user = await authenticatePassword(db, "ann@example.com", "correct horse battery");
 */
export async function authenticatePassword(db: Db, identifier: string, password: string): Promise<UserRow> {
	const id = identifier.trim();
	const user = id.includes("@")
		? await findUserByEmail(db, id)
		: await db.select().from(users).where(eq(users.username, id)).get();
	const ok = await verifyPassword(password, user?.passwordHash ?? null);
	if (!user || !ok) throw new ApiError("INVALID_CREDENTIALS", "Email or password is wrong");
	// The cost is stored with each hash: re-hash old ones while the password is at hand.
	if (user.passwordHash && needsRehash(user.passwordHash)) {
		await db
			.update(users)
			.set({ passwordHash: await hashPassword(password) })
			.where(eq(users.id, user.id));
	}
	return user;
}

/** The key a per-account rate limit counts under, whatever the spelling of the identifier. */
export function accountKey(identifier: string): string {
	return identifier.trim().toLowerCase().slice(0, 320);
}

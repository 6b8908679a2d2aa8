import type { UserRow } from "../../db/schema";
import { ApiError } from "../../errors";
import type { Db } from "../users/db";
import { findUserByPhone } from "../users/users";
import { verifyPassword } from "./password";

/**
 * Checks a phone number and password (the Egg seed's msisdn + pwd_hash
 * sign-in). Unknown numbers and password-less accounts cost the same work
 * and get the same answer as a wrong password.
 *
 * @throws INVALID_CREDENTIALS
 * @example const user = await authenticatePhonePassword(db, "+79161234567", "a865a7e0…");
 */
export async function authenticatePhonePassword(db: Db, phone: string, password: string): Promise<UserRow> {
	const user = await findUserByPhone(db, phone);
	const ok = await verifyPassword(password, user?.passwordHash ?? null);
	if (!user || !ok) throw new ApiError("INVALID_CREDENTIALS", "Number or password is wrong");
	return user;
}

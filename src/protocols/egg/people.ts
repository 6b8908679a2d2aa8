import type { UserRow } from "../../db/schema";
import type { Db } from "../../domain/users/db";
import { findUserByPhone, getUsersByIds } from "../../domain/users/users";
import { ApiError } from "../../errors";
import { type Msisdn, msisdnOfPhone, phoneOfMsisdn } from "./msisdn";

/**
 * Egg names people by msisdn, Hatch by user id: this translates both ways,
 * remembering what it has looked up for the life of one socket.
 */
export class People {
	private readonly msisdnById = new Map<string, number | null>();

	constructor(
		private readonly db: Db,
		private readonly region: string,
	) {}

	/** The user an msisdn names; USER_NOT_FOUND (404) when nobody has it. */
	async byMsisdn(msisdn: Msisdn): Promise<UserRow> {
		const user = await findUserByPhone(this.db, phoneOfMsisdn(msisdn, this.region));
		if (!user) throw new ApiError("USER_NOT_FOUND", "No user with this msisdn", { status: 404 });
		this.msisdnById.set(user.id, msisdnOfPhone(user.phone));
		return user;
	}

	/** The msisdns of user ids (null for accounts without a number, e.g. email sign-ups). */
	async msisdns(ids: string[]): Promise<Map<string, number | null>> {
		const missing = ids.filter((id) => !this.msisdnById.has(id));
		if (missing.length > 0) {
			for (const u of await getUsersByIds(this.db, missing))
				this.msisdnById.set(u.id, msisdnOfPhone(u.phone));
		}
		return new Map(ids.map((id) => [id, this.msisdnById.get(id) ?? null]));
	}

	async msisdn(id: string): Promise<number | null> {
		return (await this.msisdns([id])).get(id) ?? null;
	}
}

/** `s2c_user_info` fields of a user. */
export function userInfo(u: UserRow) {
	return {
		user_msisdn: msisdnOfPhone(u.phone),
		fname: u.firstName,
		lname: u.lastName,
		age: u.age,
		is_male: u.gender === null ? null : u.gender === "male",
	};
}

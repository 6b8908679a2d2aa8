import type { UserRow } from "../../db/schema";

/** What a user sees about themselves (GET /v1/me). */
export type MeView = ReturnType<typeof toMeView>;
/** What anyone signed in may see about another user: never email or phone. */
export type PublicUserView = ReturnType<typeof toPublicView>;

/** @example c.json(toMeView(row)) */
export function toMeView(u: UserRow) {
	return {
		id: u.id,
		email: u.email,
		email_verified: u.emailVerifiedAt !== null,
		phone: u.phone,
		username: u.username,
		display_name: u.displayName,
		first_name: u.firstName,
		last_name: u.lastName,
		age: u.age,
		gender: u.gender,
		role: u.role,
		theme: u.theme,
		magnification: u.textScale,
		recents: u.recents,
		hidden: u.hidden,
		created_at: u.createdAt.toISOString(),
		updated_at: u.updatedAt.toISOString(),
	};
}

/** @example items.map(toPublicView) */
export function toPublicView(u: UserRow) {
	return {
		id: u.id,
		display_name: u.displayName,
		first_name: u.firstName,
		last_name: u.lastName,
		age: u.age,
		gender: u.gender,
		role: u.role,
	};
}

/**
 * The lowercased text user search matches: display, first and last name.
 *
 * @example searchNameOf({ displayName: "Ann", firstName: "Ann", lastName: "Lee" }) // "ann ann lee"
 */
export function searchNameOf(u: {
	displayName: string;
	firstName?: string | null;
	lastName?: string | null;
}): string {
	return [u.displayName, u.firstName, u.lastName]
		.filter((s): s is string => !!s)
		.join(" ")
		.toLowerCase();
}

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
		display_name: publicDisplayName(u),
		first_name: u.firstName,
		last_name: u.lastName,
		age: u.age,
		gender: u.gender,
		role: u.role,
	};
}

type Named = {
	displayName: string;
	firstName?: string | null;
	lastName?: string | null;
	email?: string | null;
	phone?: string | null;
};

/**
 * The name others see. The display name defaults to the email (or, for
 * phone sign-ups, the number); shown as is it would hand every user's
 * address to everyone, so others see only the email's local part, or
 * "Hatch user" for a bare number.
 *
 * @example publicDisplayName({ displayName: "ann@example.com", email: "ann@example.com" }) // "ann"
 */
export function publicDisplayName(u: Named): string {
	const name = u.displayName.trim();
	if (u.email && name.toLowerCase() === u.email.toLowerCase()) return u.email.split("@")[0] || "Hatch user";
	if (u.phone && name.replace(/[^\d+]/g, "") === u.phone) return "Hatch user";
	return name;
}

/**
 * The lowercased text user search matches: public display, first and last
 * name (never the email or number, so search cannot probe for accounts).
 *
 * @example searchNameOf({ displayName: "Ann", firstName: "Ann", lastName: "Lee" }) // "ann ann lee"
 */
export function searchNameOf(u: Named): string {
	return [publicDisplayName(u), u.firstName, u.lastName]
		.filter((s): s is string => !!s)
		.join(" ")
		.toLowerCase();
}

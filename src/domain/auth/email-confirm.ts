import { and, eq, isNull } from "drizzle-orm";
import { type UserRow, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { Db } from "../users/db";
import { getUser } from "../users/users";
import type { Background, MailDeps } from "./email-flows";
import { consumeEmailToken, issueEmailToken, peekEmailToken } from "./email-tokens";

/**
 * Sends a confirmation token to the account's current, unconfirmed email
 * (accounts made by email registration are confirmed already; this serves
 * any other). Nothing to do for a confirmed or missing address.
 *
 * @example inBackground(c, await requestEmailConfirmation(deps, user));
 */
export async function requestEmailConfirmation(deps: MailDeps, user: UserRow): Promise<Background> {
	return async () => {
		if (!user.email || user.emailVerifiedAt) return;
		const token = await issueEmailToken(deps.db, {
			purpose: "confirm_email",
			email: user.email,
			userId: user.id,
		});
		await deps.mailer.send({
			to: user.email,
			subject: "Confirm your Hatch email",
			text: `Confirm this address:\n${deps.publicUrl}/confirm-email?token=${token}\n\nToken: ${token}\nIt is valid for 24 hours.\n`,
		});
	};
}

/**
 * Marks the email confirmed, if the token was issued for the address the
 * account still has (a token for a since-changed address is refused).
 *
 * @throws INVALID_EMAIL_TOKEN
 */
export async function confirmEmail(db: Db, token: string): Promise<UserRow> {
	const peeked = await peekEmailToken(db, "confirm_email", token);
	const user = await getUser(db, peeked.userId ?? "");
	if (user.email !== peeked.email)
		throw new ApiError("INVALID_EMAIL_TOKEN", "The token is for an address this account no longer has", {
			status: 400,
		});
	await consumeEmailToken(db, "confirm_email", token);
	const [row] = await db
		.update(users)
		.set({ emailVerifiedAt: new Date(), updatedAt: new Date() })
		.where(and(eq(users.id, user.id), isNull(users.emailVerifiedAt)))
		.returning();
	return row ?? user;
}

/**
 * Who a password-reset token belongs to, without using it up (so a reset
 * page can greet the user before they choose a password).
 *
 * @throws INVALID_EMAIL_TOKEN
 */
export async function checkResetToken(db: Db, token: string): Promise<UserRow> {
	const row = await peekEmailToken(db, "reset_password", token);
	return getUser(db, row.userId ?? "");
}

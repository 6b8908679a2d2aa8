import { eq } from "drizzle-orm";
import { type UserRow, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { EmailProvider } from "../../providers/email";
import type { Db } from "../users/db";
import { createUser, findUserByEmail, getUser, normalizeEmail } from "../users/users";
import { consumeEmailToken, issueEmailToken, peekEmailToken, voidEmailTokens } from "./email-tokens";
import { checkPasswordPolicy, hashPassword, verifyPassword } from "./password";
import { endSessions, type SocketCloser } from "./revocation";

export type MailDeps = { db: Db; mailer: EmailProvider; publicUrl: string };

/**
 * Work that must not change how long the response takes (so timing does not
 * tell whether an account exists): the route hands it to waitUntil.
 */
export type Background = () => Promise<void>;

/**
 * Starts an email registration. The same 202 follows whatever the address:
 * a new address gets a confirmation link that creates the account (nothing
 * is written to `users` before that); a registered address gets a notice
 * instead. So neither the response nor its timing says which it was, and an
 * account only ever exists for someone who can read the mailbox.
 *
 * @example const later = await requestRegistration(deps, { email, password }); ctx.waitUntil(later());
 */
export async function requestRegistration(
	deps: MailDeps,
	input: { email: string; password: string; displayName?: string },
): Promise<Background> {
	const email = normalizeEmail(input.email);
	checkPasswordPolicy(input.password, email);
	const passwordHash = await hashPassword(input.password);
	const existing = await findUserByEmail(deps.db, email);
	return async () => {
		if (existing) {
			await deps.mailer.send({
				to: email,
				subject: "You already have a Hatch account",
				text: `Someone (hopefully you) tried to register ${email} again.\nSign in instead, or reset your password at ${deps.publicUrl}/reset-password.\n`,
			});
			return;
		}
		const token = await issueEmailToken(deps.db, {
			purpose: "register",
			email,
			data: { passwordHash, displayName: input.displayName?.trim() || email },
		});
		await deps.mailer.send({
			to: email,
			subject: "Confirm your Hatch account",
			text: `Confirm your email to finish creating your account:\n${deps.publicUrl}/confirm?token=${token}\n\nToken: ${token}\nIt is valid for 24 hours.\n`,
		});
	};
}

/**
 * Confirms a registration token: creates the account with a verified email.
 *
 * @throws INVALID_EMAIL_TOKEN, or EMAIL_TAKEN (409) if the address was registered meanwhile.
 */
export async function confirmRegistration(db: Db, token: string): Promise<UserRow> {
	const row = await consumeEmailToken(db, "register", token);
	if (!row.data) throw new ApiError("INVALID_EMAIL_TOKEN", "The token is not valid", { status: 400 });
	if (await findUserByEmail(db, row.email))
		throw new ApiError("EMAIL_TAKEN", "This email already has an account; sign in instead", { status: 409 });
	return createUser(db, {
		email: row.email,
		emailVerified: true,
		passwordHash: row.data.passwordHash,
		displayName: row.data.displayName,
	}).catch(rethrowEmailTaken);
}

/** Two confirmations racing for one address: the unique index decides, the loser gets 409. */
function rethrowEmailTaken(err: unknown): never {
	if (String(err).includes("UNIQUE constraint failed"))
		throw new ApiError("EMAIL_TAKEN", "This email already has an account", { status: 409 });
	throw err;
}

/** Starts a password reset; same answer and timing for unknown addresses. */
export async function requestPasswordReset(deps: MailDeps, rawEmail: string): Promise<Background> {
	const email = normalizeEmail(rawEmail);
	const user = await findUserByEmail(deps.db, email);
	return async () => {
		if (!user) return;
		const token = await issueEmailToken(deps.db, { purpose: "reset_password", email, userId: user.id });
		await deps.mailer.send({
			to: email,
			subject: "Reset your Hatch password",
			text: `Set a new password:\n${deps.publicUrl}/reset-password?token=${token}\n\nToken: ${token}\nIt is valid for 1 hour. If you did not ask for this, ignore this email.\n`,
		});
	};
}

/**
 * Sets a new password from a reset token, voids other reset links and
 * revokes every session of the user.
 */
export async function resetPassword(
	db: Db,
	token: string,
	newPassword: string,
	closeSockets: SocketCloser,
): Promise<UserRow> {
	const peeked = await peekEmailToken(db, "reset_password", token);
	checkPasswordPolicy(newPassword, peeked.email);
	const passwordHash = await hashPassword(newPassword);
	const row = await consumeEmailToken(db, "reset_password", token);
	const userId = row.userId ?? "";
	const user = await getUser(db, userId);
	await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
	await voidEmailTokens(db, userId, "reset_password");
	await endSessions(db, closeSockets, { reason: "password_reset", userId });
	return user;
}

/**
 * Changes the password after checking the current one; every session is
 * revoked (the caller signs the current device in again).
 *
 * @throws INVALID_CREDENTIALS when the current password is wrong.
 */
export async function changePassword(
	db: Db,
	user: UserRow,
	current: string,
	next: string,
	closeSockets: SocketCloser,
): Promise<void> {
	if (!(await verifyPassword(current, user.passwordHash)))
		throw new ApiError("INVALID_CREDENTIALS", "Current password is wrong");
	checkPasswordPolicy(next, user.email);
	const passwordHash = await hashPassword(next);
	await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
	await voidEmailTokens(db, user.id, "reset_password");
	await endSessions(db, closeSockets, { reason: "password_changed", userId: user.id });
}

/**
 * Sends a change-email token to the NEW address (proving the user reads
 * it). If the address belongs to someone else, its owner gets a notice and
 * the requester learns nothing.
 */
export async function requestEmailChange(
	deps: MailDeps,
	user: UserRow,
	rawEmail: string,
): Promise<Background> {
	const email = normalizeEmail(rawEmail);
	const owner = await findUserByEmail(deps.db, email);
	return async () => {
		if (owner) {
			if (owner.id === user.id) return;
			await deps.mailer.send({
				to: email,
				subject: "Someone tried to use your email on Hatch",
				text: "Another account asked to move to this address. Nothing was changed.\n",
			});
			return;
		}
		const token = await issueEmailToken(deps.db, { purpose: "change_email", email, userId: user.id });
		await deps.mailer.send({
			to: email,
			subject: "Confirm your new Hatch email",
			text: `Use this token to move your account to ${email}:\n${token}\nIt is valid for 1 hour.\n`,
		});
	};
}

/**
 * Completes an email change: the token must have been issued to this user
 * for this address, and the password must match (accounts without a
 * password, made by phone, are proven by the token and the access token).
 */
export async function changeEmail(
	deps: MailDeps,
	user: UserRow,
	input: { token: string; email: string; password?: string },
): Promise<UserRow> {
	const email = normalizeEmail(input.email);
	const peeked = await peekEmailToken(deps.db, "change_email", input.token);
	if (peeked.userId !== user.id || peeked.email !== email)
		throw new ApiError("INVALID_EMAIL_TOKEN", "The token is not valid for this account and address", {
			status: 400,
		});
	if (user.passwordHash !== null && !(await verifyPassword(input.password ?? "", user.passwordHash)))
		throw new ApiError("INVALID_CREDENTIALS", "Password is wrong");
	// Checked before the token is used up, so a refusal changes nothing.
	if (await findUserByEmail(deps.db, email))
		throw new ApiError("EMAIL_TAKEN", "This email already has an account", { status: 409 });
	await consumeEmailToken(deps.db, "change_email", input.token);
	const [updated] = await deps.db
		.update(users)
		.set({ email, emailVerifiedAt: new Date(), updatedAt: new Date() })
		.where(eq(users.id, user.id))
		.returning()
		.catch(rethrowEmailTaken);
	if (!updated) throw new ApiError("NOT_FOUND", "User not found");
	if (user.email) {
		await deps.mailer.send({
			to: user.email,
			subject: "Your Hatch email was changed",
			text: `Your account now uses ${email}. If this was not you, contact support.\n`,
		});
	}
	return updated;
}

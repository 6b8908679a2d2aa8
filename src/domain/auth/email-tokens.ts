import { and, eq, gt, isNull } from "drizzle-orm";
import { emailTokens } from "../../db/schema";
import { ApiError } from "../../errors";
import { newId, randomToken, sha256Hex } from "../../lib/ids";
import type { Db } from "../users/db";

export type EmailTokenPurpose = "register" | "confirm_email" | "reset_password" | "change_email";
export type EmailTokenRow = typeof emailTokens.$inferSelect;

/** How long each kind of emailed token stays valid. */
export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
	register: 24 * 3600 * 1000,
	confirm_email: 24 * 3600 * 1000,
	reset_password: 3600 * 1000,
	change_email: 3600 * 1000,
};

/**
 * Stores a new single-use token (as its SHA-256) and returns the raw value
 * to put in the email.
 *
 * @example const token = await issueEmailToken(db, { purpose: "reset_password", userId, email });
 */
export async function issueEmailToken(
	db: Db,
	input: { purpose: EmailTokenPurpose; email: string; userId?: string | null; data?: EmailTokenRow["data"] },
	now = Date.now(),
): Promise<string> {
	const token = randomToken(32);
	await db.insert(emailTokens).values({
		id: newId(now),
		purpose: input.purpose,
		userId: input.userId ?? null,
		email: input.email,
		tokenHash: await sha256Hex(token),
		data: input.data ?? null,
		createdAt: new Date(now),
		expiresAt: new Date(now + EMAIL_TOKEN_TTL_MS[input.purpose]),
	});
	return token;
}

/** Reads a live token without using it up (to check it before acting). */
export async function peekEmailToken(
	db: Db,
	purpose: EmailTokenPurpose,
	token: string,
	now = Date.now(),
): Promise<EmailTokenRow> {
	const row = await db
		.select()
		.from(emailTokens)
		.where(await liveToken(purpose, token, now))
		.get();
	if (!row) throw invalidToken();
	return row;
}

/**
 * Uses a token up in one conditional UPDATE, so two concurrent uses cannot
 * both succeed.
 *
 * @throws INVALID_EMAIL_TOKEN when unknown, expired, already used or of another purpose.
 */
export async function consumeEmailToken(
	db: Db,
	purpose: EmailTokenPurpose,
	token: string,
	now = Date.now(),
): Promise<EmailTokenRow> {
	const [row] = await db
		.update(emailTokens)
		.set({ usedAt: new Date(now) })
		.where(await liveToken(purpose, token, now))
		.returning();
	if (!row) throw invalidToken();
	return row;
}

/** Voids a user's unused tokens of one purpose (e.g. older reset links after a reset). */
export async function voidEmailTokens(db: Db, userId: string, purpose: EmailTokenPurpose): Promise<void> {
	await db
		.update(emailTokens)
		.set({ usedAt: new Date() })
		.where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)));
}

/** The one test of a usable token, shared by peek and consume: this value and purpose, unused, unexpired. */
async function liveToken(purpose: EmailTokenPurpose, token: string, now: number) {
	return and(
		eq(emailTokens.tokenHash, await sha256Hex(token)),
		eq(emailTokens.purpose, purpose),
		isNull(emailTokens.usedAt),
		gt(emailTokens.expiresAt, new Date(now)),
	);
}

function invalidToken() {
	return new ApiError("INVALID_EMAIL_TOKEN", "The token is not valid, has expired or was already used", {
		status: 400,
	});
}

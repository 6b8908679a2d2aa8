import { env } from "cloudflare:test";
import { createDb } from "../../src/db/client";
import { sessions, users } from "../../src/db/schema";
import { signAccessToken } from "../../src/domain/auth/access-token";
import { SESSION_TTL_MS } from "../../src/domain/auth/sessions";
import type { Role } from "../../src/env";
import { newId } from "../../src/lib/ids";

export type TestUser = {
	id: string;
	token: string;
	email: string;
	/** The stored auth session the token names. */
	sessionId: string;
	auth: { Authorization: string };
};

/**
 * Inserts a user straight into D1 and mints an access token for them, for
 * tests of features that only need "some signed-in user".
 *
 * @example const alice = await createTestUser({ displayName: "Alice" });
 */
export async function createTestUser(
	opts: { displayName?: string; role?: Role; email?: string; username?: string } = {},
): Promise<TestUser> {
	const id = newId();
	const email = opts.email ?? `${id}@example.test`;
	const displayName = opts.displayName ?? email;
	const now = new Date();
	await createDb(env.DB)
		.insert(users)
		.values({
			id,
			email,
			username: opts.username ?? null,
			displayName,
			searchName: displayName.toLowerCase(),
			role: opts.role ?? "user",
			createdAt: now,
			updatedAt: now,
		});
	const { token, sessionId } = await signedIn(id, opts.role ?? "user");
	return { id, token, email, sessionId, auth: { Authorization: `Bearer ${token}` } };
}

/**
 * The same user signed in on another device: a token for a new auth session.
 *
 * @example const alicePhone = await otherDevice(alice);
 */
export async function otherDevice(user: TestUser, role: Role = "user"): Promise<TestUser> {
	const { token, sessionId } = await signedIn(user.id, role);
	return { ...user, token, sessionId, auth: { Authorization: `Bearer ${token}` } };
}

/** A stored session (requireAuth refuses tokens naming none) and an access token for it. */
async function signedIn(userId: string, role: Role): Promise<{ token: string; sessionId: string }> {
	const sessionId = newId();
	const now = new Date();
	await createDb(env.DB)
		.insert(sessions)
		.values({
			id: sessionId,
			userId,
			createdAt: now,
			lastUsedAt: now,
			expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
		});
	const { token } = await signAccessToken(env, { userId, role, sessionId });
	return { token, sessionId };
}

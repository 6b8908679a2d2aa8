import type { E2eKeyChangedEvent } from "@hatch/contract/frames";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { chatMembers, chats, e2eDevices } from "../../db/schema";
import { ApiError } from "../../errors";
import { sha256Hex } from "../../lib/ids";
import { type ChatDeps, pushToDevices } from "../chats/deps";
import { activeMembership } from "../chats/queries";
import { decryptSecret, encryptSecret } from "../secrets/crypto";
import type { DeviceRef } from "./coverage";

/** What a device publishes. Private keys never come here (a Phoenix client's key blob is its own business). */
export type DeviceKeyInput = {
	public_key: string;
	signed_prekey?: string | null;
	/** Key material the client keeps here for itself (already encrypted by the client); only its owner reads it back. */
	key_blob?: string | null;
};
export type DeviceKey = DeviceRef & {
	public_key: string;
	signed_prekey: string | null;
	fingerprint: string;
	updated_at: number;
};

/** The event a key change sends to everyone sharing an e2e chat with its owner (declared in the contract). */
export type KeyChangedEvent = E2eKeyChangedEvent;

/**
 * Publishes (or replaces) a device's keys, encrypted at rest under
 * SECRETS_KEY. A new or different public key is announced to the other
 * members of the owner's e2e chats (`e2e.key_changed`), so clients can
 * warn and re-encrypt; publishing the same key again announces nothing.
 *
 * @example await publishDeviceKey(deps, me, "phone-1", { public_key: "BASE64..." });
 */
export async function publishDeviceKey(
	deps: ChatDeps,
	userId: string,
	deviceId: string,
	input: DeviceKeyInput,
): Promise<{ device: DeviceKey; changed: boolean }> {
	const fingerprint = await sha256Hex(input.public_key);
	const [before] = await deps.db
		.select({ fingerprint: e2eDevices.fingerprint })
		.from(e2eDevices)
		.where(and(eq(e2eDevices.userId, userId), eq(e2eDevices.deviceId, deviceId)));
	const now = new Date();
	const row = {
		publicKeyEnc: await encryptSecret(deps.env.SECRETS_KEY, input.public_key),
		signedPrekeyEnc: input.signed_prekey
			? await encryptSecret(deps.env.SECRETS_KEY, input.signed_prekey)
			: null,
		keyBlobEnc: input.key_blob ? await encryptSecret(deps.env.SECRETS_KEY, input.key_blob) : null,
		fingerprint,
		updatedAt: now,
	};
	await deps.db
		.insert(e2eDevices)
		.values({ userId, deviceId, ...row })
		.onConflictDoUpdate({ target: [e2eDevices.userId, e2eDevices.deviceId], set: row });
	const changed = before?.fingerprint !== fingerprint;
	if (changed) await announceKeyChange(deps, userId, deviceId, fingerprint);
	const device = {
		user_id: userId,
		device_id: deviceId,
		public_key: input.public_key,
		signed_prekey: input.signed_prekey ?? null,
		fingerprint,
		updated_at: now.getTime(),
	};
	return { device, changed };
}

/** Removes a device from the directory (its copies stop being expected); announced like a change. */
export async function removeDeviceKey(deps: ChatDeps, userId: string, deviceId: string): Promise<boolean> {
	const gone = await deps.db
		.delete(e2eDevices)
		.where(and(eq(e2eDevices.userId, userId), eq(e2eDevices.deviceId, deviceId)))
		.returning({ d: e2eDevices.deviceId });
	if (gone.length) await announceKeyChange(deps, userId, deviceId, null);
	return gone.length > 0;
}

/**
 * The current keys of every device of every active member of an e2e chat;
 * the caller must be an active member (anyone else: NOT_FOUND).
 *
 * @example const { devices } = await chatKeys(deps, me, chatId);
 */
export async function chatKeys(deps: ChatDeps, userId: string, chatId: string): Promise<DeviceKey[]> {
	const { chat } = await activeMembership(deps, userId, chatId);
	if (!chat.e2e) throw new ApiError("NOT_E2E", "This chat is not end-to-end encrypted", { status: 409 });
	const rows = await deps.db
		.select({ d: e2eDevices })
		.from(e2eDevices)
		.innerJoin(chatMembers, eq(chatMembers.userId, e2eDevices.userId))
		.where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.status, "active")));
	return Promise.all(rows.map(({ d }) => openDevice(deps.env.SECRETS_KEY, d)));
}

/** The keys of one user's devices (a Phoenix client reading a peer's key, or its own). */
export async function userKeys(deps: ChatDeps, userId: string): Promise<DeviceKey[]> {
	const rows = await deps.db.select().from(e2eDevices).where(eq(e2eDevices.userId, userId));
	return Promise.all(rows.map((d) => openDevice(deps.env.SECRETS_KEY, d)));
}

/** The owner's own copy of a device's key blob (null when none was kept). */
export async function ownKeyBlob(deps: ChatDeps, userId: string, deviceId: string): Promise<string | null> {
	const [row] = await deps.db
		.select({ blob: e2eDevices.keyBlobEnc })
		.from(e2eDevices)
		.where(and(eq(e2eDevices.userId, userId), eq(e2eDevices.deviceId, deviceId)));
	return row?.blob ? decryptSecret(deps.env.SECRETS_KEY, row.blob) : null;
}

/** Device refs of these users, for the ChatRoom's coverage check (no key material is read). */
export async function devicesOf(db: Db, userIds: string[]): Promise<DeviceRef[]> {
	if (!userIds.length) return [];
	return db
		.select({ user_id: e2eDevices.userId, device_id: e2eDevices.deviceId })
		.from(e2eDevices)
		.where(inArray(e2eDevices.userId, userIds));
}

async function openDevice(secret: string, d: typeof e2eDevices.$inferSelect): Promise<DeviceKey> {
	return {
		user_id: d.userId,
		device_id: d.deviceId,
		public_key: await decryptSecret(secret, d.publicKeyEnc),
		signed_prekey: d.signedPrekeyEnc ? await decryptSecret(secret, d.signedPrekeyEnc) : null,
		fingerprint: d.fingerprint,
		updated_at: d.updatedAt.getTime(),
	};
}

/** Tells every other active member of the user's e2e chats (once per person, with the chats). */
async function announceKeyChange(
	deps: ChatDeps,
	userId: string,
	deviceId: string,
	fingerprint: string | null,
) {
	const mine = deps.db
		.select({ chatId: chatMembers.chatId })
		.from(chatMembers)
		.innerJoin(chats, eq(chats.id, chatMembers.chatId))
		.where(and(eq(chatMembers.userId, userId), eq(chatMembers.status, "active"), eq(chats.e2e, true)));
	const rows = await deps.db
		.select({ userId: chatMembers.userId, chatId: chatMembers.chatId })
		.from(chatMembers)
		.where(and(inArray(chatMembers.chatId, mine), eq(chatMembers.status, "active")));
	const byUser = new Map<string, string[]>();
	for (const r of rows) byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.chatId]);
	// The owner's other devices hear of it too: a new device of theirs must be encrypted to.
	if (!byUser.has(userId)) byUser.set(userId, []);
	await Promise.all(
		[...byUser].map(async ([u, chatIds]) => {
			const event: KeyChangedEvent = {
				type: "e2e.key_changed",
				user_id: userId,
				device_id: deviceId,
				fingerprint,
				chat_ids: chatIds,
			};
			try {
				await pushToDevices(deps.env, u, event);
			} catch {
				// Best effort: a client also learns of it from E2E_KEYS_CHANGED on its next send.
			}
		}),
	);
}

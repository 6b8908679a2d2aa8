import { activeGroupE2e } from "../e2e-chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";

/** Who acts on an e2e chat, as its matrix names them. */
export const E2E_ROLES = ["owner", "member", "invitee", "removed", "stranger"] as const;
export type E2eRole = (typeof E2E_ROLES)[number];

/**
 * One e2e group: its owner and an active member, an invitee who has not
 * accepted, a member the owner removed and a stranger. Each published one
 * device key (`device[role]`) before the removal. `ownerSeq` is a message
 * group of the owner's, sent while the removed member was still in.
 */
export type E2eWorld = {
	chatId: string;
	users: Record<E2eRole, TestUser>;
	device: Record<E2eRole, string>;
	ownerSeq: number;
};

/** 16+ characters of key material; the server stores public keys, it never uses them. */
const keyOf = (device: string) => `pk-${device}-${"x".repeat(24)}`;

export async function publish(user: TestUser, device: string) {
	const res = await api(`/v1/e2e/devices/${device}`, {
		method: "PUT",
		headers: user.auth,
		json: { public_key: keyOf(device) },
	});
	if (res.status !== 200) throw new Error(`publish: ${res.status} ${await res.text()}`);
}

/** A message group from `device` with one copy for each `[user id, device id]` of `to`. */
export const group = (device: string, to: [string, string][]) => ({
	device_id: device,
	copies: to.map(([user_id, device_id]) => ({ user_id, device_id, ciphertext: `ct-for-${device_id}` })),
});

export async function makeE2eWorld(): Promise<E2eWorld> {
	const [owner, member, invitee, removed, stranger] = await Promise.all([
		createTestUser({ displayName: "Owner" }),
		createTestUser({ displayName: "Member" }),
		createTestUser({ displayName: "Invitee" }),
		createTestUser({ displayName: "Removed" }),
		createTestUser({ displayName: "Stranger" }),
	]);
	const users: Record<E2eRole, TestUser> = { owner, member, invitee, removed, stranger };
	const device = Object.fromEntries(
		Object.keys(users).map((r) => [r, `d-${r}-${crypto.randomUUID().slice(0, 8)}`]),
	) as Record<E2eRole, string>;
	for (const r of Object.keys(users) as E2eRole[]) await publish(users[r], device[r]);
	const chatId = await activeGroupE2e(owner, [member, removed]);
	const invite = await api(`/v1/chats/${chatId}/invitations`, {
		method: "POST",
		headers: owner.auth,
		json: { user: invitee.id },
	});
	if (invite.status >= 300) throw new Error(`invite: ${invite.status} ${await invite.text()}`);
	const sent = await api(`/v1/chats/${chatId}/e2e/messages`, {
		method: "POST",
		headers: owner.auth,
		json: {
			client_id: crypto.randomUUID(),
			...group(device.owner, [
				[member.id, device.member],
				[removed.id, device.removed],
			]),
		},
	});
	if (sent.status !== 201) throw new Error(`send: ${sent.status} ${await sent.text()}`);
	const ownerSeq = ((await sent.json()) as { message: { seq: number } }).message.seq;
	const kick = await api(`/v1/chats/${chatId}/members/${removed.id}`, {
		method: "DELETE",
		headers: owner.auth,
	});
	if (kick.status >= 300) throw new Error(`remove: ${kick.status} ${await kick.text()}`);
	return { chatId, users, device, ownerSeq };
}

/** The chat's members, key directory and messages as its owner sees them. */
export async function e2eSnapshot(w: E2eWorld): Promise<string> {
	const auth = w.users.owner.auth;
	const get = async (path: string) => (await api(path, { headers: auth })).json();
	const chat = (await get(`/v1/chats/${w.chatId}`)) as Record<string, unknown>;
	const { unread: _u, last_read_seq: _r, ...stable } = chat;
	const keys = await get(`/v1/chats/${w.chatId}/e2e/keys`);
	const messages = await get(`/v1/chats/${w.chatId}/messages?after_seq=0`);
	return JSON.stringify({ stable, keys, messages });
}

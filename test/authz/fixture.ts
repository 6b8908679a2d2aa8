import { accept, createGroup, send } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";

/** Who acts, as the authorisation matrix names them. */
export const ROLES = ["owner", "member", "invitee", "removed", "stranger", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/**
 * One group chat with a person in every relation to it: its owner, an active
 * member, an invitee who has not accepted, a member the owner removed, and
 * three outsiders: a plain user, an operator and an admin. Each owns nothing
 * in the chat but themselves. `ownerSeq` is a message of the owner's,
 * `memberSeq` one of the member's.
 */
export type World = {
	chatId: string;
	users: Record<Role, TestUser>;
	ownerSeq: number;
	memberSeq: number;
};

export async function makeWorld(): Promise<World> {
	const [owner, member, invitee, removed, stranger] = await Promise.all([
		createTestUser({ displayName: "Owner" }),
		createTestUser({ displayName: "Member" }),
		createTestUser({ displayName: "Invitee" }),
		createTestUser({ displayName: "Removed" }),
		createTestUser({ displayName: "Stranger" }),
	]);
	const operator = await createTestUser({ displayName: "Operator", role: "operator" });
	const admin = await createTestUser({ displayName: "Admin", role: "admin" });
	const chat = await createGroup(owner, "Matrix", [member.id, removed.id, invitee.id]);
	await accept(member, chat.id);
	await accept(removed, chat.id);
	const ownerSeq = (await send(owner, chat.id, "from the owner")).seq;
	const memberSeq = (await send(member, chat.id, "from the member")).seq;
	const kick = await api(`/v1/chats/${chat.id}/members/${removed.id}`, {
		method: "DELETE",
		headers: owner.auth,
	});
	if (kick.status >= 300) throw new Error(`remove: ${kick.status} ${await kick.text()}`);
	return {
		chatId: chat.id,
		users: { owner, member, invitee, removed, stranger, operator, admin },
		ownerSeq,
		memberSeq,
	};
}

/** What the owner sees of the chat: its record, members and messages. A refused action must leave it as it was. */
export async function snapshot(w: World): Promise<string> {
	const auth = w.users.owner.auth;
	const chat = await (await api(`/v1/chats/${w.chatId}`, { headers: auth })).json<Record<string, unknown>>();
	const messages = await (await api(`/v1/chats/${w.chatId}/messages?after_seq=0`, { headers: auth })).json();
	const { unread: _u, last_read_seq: _r, ...stable } = chat;
	return JSON.stringify({ stable, messages });
}

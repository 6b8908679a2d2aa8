import type { HubEvent } from "@hatch/contract/frames";
import { createDb } from "../../src/db/client";
import { hubOf } from "../../src/domain/chats/deps";
import { shareChat } from "../../src/domain/chats/shared";

/**
 * Tells the user's direct-chat contacts that they came online or went away,
 * unless the user is hidden. Only direct contacts: announcing to every group
 * member would cost O(members²) events for a large group, and messengers
 * show presence in one-to-one threads.
 */
export async function announcePresence(env: Env, userId: string, online: boolean, lastSeen: number | null) {
	if (!userId) return;
	const me = await env.DB.prepare("SELECT hidden FROM users WHERE id = ?")
		.bind(userId)
		.first<{ hidden: number }>();
	if (!me || me.hidden) return;
	const { results } = await env.DB.prepare(
		`SELECT DISTINCT o.user_id FROM chat_members m
		 JOIN chats c ON c.id = m.chat_id AND c.kind = 'direct'
		 JOIN chat_members o ON o.chat_id = m.chat_id AND o.user_id != m.user_id
		 WHERE m.user_id = ? LIMIT 500`,
	)
		.bind(userId)
		.all<{ user_id: string }>();
	const event = { type: "presence", user_id: userId, online, last_seen: lastSeen } satisfies HubEvent;
	await Promise.allSettled(results.map((r) => hubOf(env, r.user_id).pushEvent(event)));
}

/**
 * Presence of `userId` as `viewerId` may see it, or null (the same as an
 * unknown user) when the viewer shares no chat with them (`shareChat`,
 * the rule for ringing someone too): presence is for contacts, as the socket announces it. Hidden users
 * always look offline with no last visit.
 *
 * @example const p = await presenceOf(env, me, otherId); // null → 404 USER_NOT_FOUND
 */
export async function presenceOf(env: Env, viewerId: string, userId: string) {
	const u = await env.DB.prepare("SELECT hidden FROM users WHERE id = ?")
		.bind(userId)
		.first<{ hidden: number }>();
	if (!u || (viewerId !== userId && !(await shareChat(createDb(env.DB), viewerId, userId)))) return null;
	if (u.hidden) return { user_id: userId, online: false, last_seen: null };
	const p = await hubOf(env, userId).presence();
	return { user_id: userId, ...p };
}

import type { Db } from "../../db/client";

/** What chat domain functions need: the bindings (for the Durable Objects) and the D1 handle. */
export type ChatDeps = { env: Env; db: Db };

/** The ChatRoom stub of a chat. One Durable Object per chat id. */
export function roomOf(env: Env, chatId: string) {
	return env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(chatId));
}

/** How many ViewRegistries the users are spread over: each stays awake under load. */
export const REGISTRY_SHARDS = 16;

/** The ViewRegistry that keeps a user's views and whether their hub is online (durable-objects/view-registry.ts). */
export function registryOf(env: Env, userId: string) {
	let h = 2166136261;
	for (let i = 0; i < userId.length; i++) h = Math.imul(h ^ userId.charCodeAt(i), 16777619);
	const shard = (h >>> 0) % REGISTRY_SHARDS;
	return env.VIEW_REGISTRY.get(env.VIEW_REGISTRY.idFromName(`views-${shard}`));
}

/** The UserHub stub of a user. One Durable Object per user id. */
export function hubOf(env: Env, userId: string) {
	return env.USER_HUB.get(env.USER_HUB.idFromName(userId));
}

/**
 * Sends `event` to the user's connected devices (UserHub.pushEvent), without
 * waking a hub that has no socket: its ViewRegistry knows (a hub answers a
 * socket only once the registry has it online). Returns how many sockets got it.
 *
 * @example await pushToDevices(env, userId, { type: "chat.invitation", ... });
 */
export async function pushToDevices(
	env: Env,
	userId: string,
	event: { type: string; [k: string]: unknown },
): Promise<number> {
	if (!(await registryOf(env, userId).isOnline(userId))) return 0;
	return hubOf(env, userId).pushEvent(event);
}

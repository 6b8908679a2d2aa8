import type { Db } from "../../db/client";

/** What chat domain functions need: the bindings (for the Durable Objects) and the D1 handle. */
export type ChatDeps = { env: Env; db: Db };

/** The ChatRoom stub of a chat. One Durable Object per chat id. */
export function roomOf(env: Env, chatId: string) {
	return env.CHAT_ROOM.get(env.CHAT_ROOM.idFromName(chatId));
}

/** The UserHub stub of a user. One Durable Object per user id. */
export function hubOf(env: Env, userId: string) {
	return env.USER_HUB.get(env.USER_HUB.idFromName(userId));
}

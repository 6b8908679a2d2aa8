import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { roomOf } from "../../src/domain/chats/deps";
import { sleep } from "../helpers/ws-client";

/** Waits (up to 3 s) until `check` holds, then asserts it. */
export async function until(check: () => boolean | Promise<boolean>) {
	for (let i = 0; i < 150 && !(await check()); i++) await sleep(20);
	expect(await check()).toBe(true);
}

/** The users whose hub the chat's room counts on for events although they view it (`hub_wants`). */
export const hubWanted = (chatId: string) =>
	runInDurableObject(roomOf(env, chatId), (_, state) =>
		state.storage.sql
			.exec<{ user_id: string }>("SELECT user_id FROM hub_wants")
			.toArray()
			.map((r) => r.user_id),
	);

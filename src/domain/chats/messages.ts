import type { E2eGroupInput, SendE2eInput, SendMessageInput } from "@hatch/contract/frames";
import { unwrap } from "../../lib/result";
import { roomOf } from "./deps";

/**
 * Message operations, shared by REST and the socket. Each goes to the chat's
 * ChatRoom, which checks membership itself (a non-member gets NOT_FOUND).
 *
 * @example const { message } = await sendMessage(env, me, chatId, { client_id: "c1", text: "hi" });
 */
export async function sendMessage(env: Env, userId: string, chatId: string, input: SendMessageInput) {
	return unwrap(await roomOf(env, chatId).send(chatId, userId, input));
}

export async function editMessage(env: Env, userId: string, chatId: string, seq: number, text: string) {
	return unwrap(await roomOf(env, chatId).edit(chatId, userId, seq, text));
}

export async function deleteMessage(env: Env, userId: string, chatId: string, seq: number) {
	return unwrap(await roomOf(env, chatId).remove(chatId, userId, seq));
}

export async function getMessage(env: Env, userId: string, chatId: string, seq: number) {
	return unwrap(await roomOf(env, chatId).message(chatId, userId, seq));
}

/** History: newest first by `page_token`, or oldest first after `after_seq`. */
export async function messageHistory(
	env: Env,
	userId: string,
	chatId: string,
	q: { page_token?: string; page_size?: number; after_seq?: number },
) {
	return unwrap(await roomOf(env, chatId).history(chatId, userId, q));
}

export async function markRead(env: Env, userId: string, chatId: string, seq: number) {
	return unwrap(await roomOf(env, chatId).read(chatId, userId, seq));
}

export async function chatReceipts(env: Env, userId: string, chatId: string) {
	return unwrap(await roomOf(env, chatId).receipts(chatId, userId));
}

export async function sendTyping(env: Env, userId: string, chatId: string) {
	return unwrap(await roomOf(env, chatId).typing(chatId, userId));
}

/** Sends an e2e message group (one ciphertext per current member device); see chat-room/e2e-messages.ts. */
export async function sendE2eMessage(env: Env, userId: string, chatId: string, input: SendE2eInput) {
	return unwrap(await roomOf(env, chatId).sendE2e(chatId, userId, input));
}

/** Edits an e2e message: a new message group for the same seq. */
export async function editE2eMessage(
	env: Env,
	userId: string,
	chatId: string,
	seq: number,
	input: E2eGroupInput,
) {
	return unwrap(await roomOf(env, chatId).editE2e(chatId, userId, seq, input));
}

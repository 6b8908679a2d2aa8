import type { E2eGroupInput, Message, SendE2eInput } from "@hatch/contract/frames";
import { createDb } from "../../src/db/client";
import { groupCoverage } from "../../src/domain/e2e/coverage";
import { devicesOf } from "../../src/domain/e2e/keys";
import { ApiError } from "../../src/errors";
import { newId } from "../../src/lib/ids";
import type { RoomContext } from "./context";
import type { RoomStore } from "./store";

/** What the inbox and push show for an e2e message: the server cannot read it. */
export const E2E_SUMMARY = "Encrypted message";

/**
 * Sends a message group to an e2e chat: one ciphertext per current device of
 * every active member except the sending device. The server never looks
 * inside a copy; it stores each for its recipient and gives each member only
 * their own (message.new goes out once per member). A group that misses a
 * device or names one that is not current is refused with E2E_KEYS_CHANGED
 * (409) and the lists, so the client refreshes the key directory and retries.
 *
 * @example const { message } = await sendGroup(room, chatId, me, { client_id, device_id, copies });
 */
export async function sendGroup(
	room: RoomContext,
	chatId: string,
	userId: string,
	input: SendE2eInput,
): Promise<{ message: Message; duplicate: boolean }> {
	const { store } = room;
	await e2eMember(room, chatId, userId);
	const dup = store.byClientId(userId, input.client_id);
	if (dup) return { message: readerView(store, chatId, userId, dup), duplicate: true };
	if (input.reply_to !== undefined && !store.bySeq(input.reply_to))
		throw new ApiError("REPLY_NOT_FOUND", "The message replied to does not exist", { status: 404 });
	await checkCoverage(room, chatId, userId, input);
	// The D1 read above let another request with this client id land.
	const raced = store.byClientId(userId, input.client_id);
	if (raced) return { message: readerView(store, chatId, userId, raced), duplicate: true };
	const seq = store.lastSeq() + 1;
	const rev = store.nextRev();
	const now = Date.now();
	const id = newId();
	store.insert({
		seq,
		id,
		sender_id: userId,
		client_id: input.client_id,
		text: "",
		reply_to: input.reply_to ?? null,
		attachments: "[]",
		created_at: now,
		created_rev: rev,
		updated_rev: rev,
	});
	store.putCopies(seq, id, input.device_id, input.copies);
	store.raiseReceipt(userId, seq, seq);
	emitPerReader(room, chatId, seq, "message.new");
	await room.summary.set(chatId, { seq, senderId: userId, text: E2E_SUMMARY, at: now });
	return { message: readerView(store, chatId, userId, mustRow(store, seq)), duplicate: false };
}

/**
 * Edits an e2e message: the sender sends a new group for the same seq
 * (new group id, same coverage rule); the old copies are gone.
 *
 * @example const message = await editGroup(room, chatId, me, 7, { device_id, copies });
 */
export async function editGroup(
	room: RoomContext,
	chatId: string,
	userId: string,
	seq: number,
	input: E2eGroupInput,
): Promise<Message> {
	await e2eMember(room, chatId, userId);
	const row = room.store.bySeq(seq);
	if (!row || row.deleted_at) throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
	if (row.sender_id !== userId) throw new ApiError("FORBIDDEN", "Only the sender may edit a message");
	await checkCoverage(room, chatId, userId, input);
	const now = Date.now();
	room.store.edit(seq, "", "", now, room.store.nextRev());
	room.store.putCopies(seq, newId(), input.device_id, input.copies);
	emitPerReader(room, chatId, seq, "message.updated");
	return readerView(room.store, chatId, userId, mustRow(room.store, seq));
}

/**
 * A stored message as `readerId` may see it: in an e2e chat, with the
 * reader's own copies only. Plain messages pass through.
 *
 * @example items.map((r) => readerView(store, chatId, me, r))
 */
export function readerView(
	store: RoomStore,
	chatId: string,
	readerId: string,
	row: NonNullable<ReturnType<RoomStore["bySeq"]>>,
): Message {
	const message = store.toMessage(chatId, row);
	const copies = store.copiesFor(row.seq, readerId);
	const groupId = copies[0]?.group_id ?? store.groupOf(row.seq);
	if (!groupId) return message;
	const senderDevice = copies[0]?.sender_device_id ?? "";
	return {
		...message,
		e2e: {
			group_id: groupId,
			sender_device_id: senderDevice,
			copies: copies.map((c) => ({ device_id: c.device_id, ciphertext: c.ciphertext })),
		},
	};
}

/**
 * The seq of the message whose current group is `groupId`, for a member
 * (the Phoenix seed addresses edits and deletes by message group).
 *
 * @example const seq = await groupSeq(room, chatId, me, groupId);
 */
export async function groupSeq(room: RoomContext, chatId: string, userId: string, groupId: string) {
	await room.member(chatId, userId);
	const seq = room.store.seqOfGroup(groupId);
	if (seq === null) throw new ApiError("MESSAGE_NOT_FOUND", "Message group not found", { status: 404 });
	return seq;
}

/** A plain send or edit in an e2e chat is refused: the server must never hold its plaintext. */
export function refusePlaintext(room: RoomContext) {
	if (room.membership.isE2e())
		throw new ApiError("E2E_REQUIRED", "This chat is end-to-end encrypted: send a message group", {
			status: 409,
		});
}

async function e2eMember(room: RoomContext, chatId: string, userId: string) {
	const me = await room.member(chatId, userId);
	if (!room.membership.isE2e())
		throw new ApiError("NOT_E2E", "This chat is not end-to-end encrypted", { status: 409 });
	return me;
}

async function checkCoverage(room: RoomContext, chatId: string, userId: string, input: E2eGroupInput) {
	// Membership may have changed since the cache was filled; the check must see today's.
	await room.membership.load(chatId, true);
	const devices = await devicesOf(createDb(room.db), room.membership.activeIds());
	const sender = { user_id: userId, device_id: input.device_id };
	if (!devices.some((d) => d.user_id === userId && d.device_id === input.device_id))
		throw new ApiError("E2E_DEVICE_UNKNOWN", "Publish this device's key before sending from it", {
			status: 409,
		});
	const problem = groupCoverage(devices, sender, input.copies);
	if (problem)
		throw new ApiError(
			"E2E_KEYS_CHANGED",
			`The message group does not match the chat's current devices (missing ${problem.missing.length}, unexpected ${problem.unexpected.length}, duplicate ${problem.duplicate.length}): fetch the keys again and re-encrypt`,
			{ status: 409, details: problem },
		);
}

/** One event per active member, each carrying only that member's copies. */
function emitPerReader(
	room: RoomContext,
	chatId: string,
	seq: number,
	type: "message.new" | "message.updated",
) {
	const row = mustRow(room.store, seq);
	for (const u of room.membership.activeIds())
		room.emit([u], { type, chat_id: chatId, seq, message: readerView(room.store, chatId, u, row) });
}

function mustRow(store: RoomStore, seq: number) {
	return store.bySeq(seq) as NonNullable<ReturnType<RoomStore["bySeq"]>>;
}

import type { Message, SendMessageInput } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { createDb } from "../../src/db/client";
import { attachFilesToMessage } from "../../src/domain/files/attach";
import { ApiError } from "../../src/errors";
import { newId } from "../../src/lib/ids";
import type { RoomContext } from "./context";
import { readerView, refusePlaintext } from "./e2e-messages";
import type { RoomStore } from "./store";
import { summaryText } from "./summary";

/** A history page in the shape of every list (the Phoenix seed's `{items, page_token}`). */
export type HistoryPage = { items: Message[]; page_token: string | null };
export type Replay = { messages: Message[]; updated: Message[]; last_seq: number; more: boolean };

/**
 * Appends a message. Idempotent on (sender, client_id): a retry returns the
 * original message and sends nothing again.
 *
 * @example const { message, duplicate } = await sendMessage(room, chatId, userId, { client_id, text });
 */
export async function sendMessage(
	room: RoomContext,
	chatId: string,
	userId: string,
	input: SendMessageInput,
	viaDesk = false,
): Promise<{ message: Message; duplicate: boolean }> {
	const { store } = room;
	await room.member(chatId, userId);
	// A support chat's queue lives in the SupportDesk: a message that bypassed it would never reach an operator.
	if (room.membership.kind() === "support" && !viaDesk)
		throw new ApiError("SUPPORT_CHAT", "Write to support through /v1/support or its socket", { status: 409 });
	refusePlaintext(room);
	const dup = store.byClientId(userId, input.client_id);
	if (dup) return { message: store.toMessage(chatId, dup), duplicate: true };
	if (input.reply_to !== undefined && !store.bySeq(input.reply_to)) {
		throw new ApiError("REPLY_NOT_FOUND", "The message replied to does not exist", { status: 404 });
	}
	const id = newId();
	let attachments: Message["attachments"] = [];
	if (input.attachments?.length) {
		const files = await attachFilesToMessage(createDb(room.db), {
			userId,
			chatId,
			messageId: id,
			fileIds: input.attachments,
		});
		attachments = files.map((f) => ({
			file_id: f.id,
			name: f.name,
			size: f.size,
			content_type: f.content_type,
			deleted: false,
		}));
		// Another request with the same client id may have landed while we awaited D1.
		const raced = store.byClientId(userId, input.client_id);
		if (raced) return { message: store.toMessage(chatId, raced), duplicate: true };
	}
	const seq = store.lastSeq() + 1;
	const rev = store.nextRev();
	const now = Date.now();
	store.insert({
		seq,
		id,
		sender_id: userId,
		client_id: input.client_id,
		text: input.text,
		reply_to: input.reply_to ?? null,
		attachments: JSON.stringify(attachments),
		created_at: now,
		created_rev: rev,
		updated_rev: rev,
	});
	if (attachments.length)
		store.linkFiles(
			seq,
			attachments.map((a) => a.file_id),
		);
	store.raiseReceipt(userId, seq, seq);
	const message = store.toMessage(chatId, store.bySeq(seq) as NonNullable<ReturnType<RoomStore["bySeq"]>>);
	room.emit(room.membership.activeIds(), { type: "message.new", chat_id: chatId, seq, message });
	// The reply waits for the inbox index so the sender's next chat list shows this message.
	await room.summary.set(chatId, { seq, senderId: userId, text: summaryText(message), at: now });
	return { message, duplicate: false };
}

/**
 * Edits the sender's own message, keeping the previous text in its history.
 *
 * @example const message = await editMessage(room, chatId, userId, 7, "fixed typo");
 */
export async function editMessage(
	room: RoomContext,
	chatId: string,
	userId: string,
	seq: number,
	text: string,
): Promise<Message> {
	await room.member(chatId, userId);
	refusePlaintext(room);
	const row = room.store.bySeq(seq);
	if (!row || row.deleted_at) throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
	if (row.sender_id !== userId) throw new ApiError("FORBIDDEN", "Only the sender may edit a message");
	if (row.text === text) return room.store.toMessage(chatId, row);
	room.store.edit(seq, row.text, text, Date.now(), room.store.nextRev());
	return changed(room, chatId, seq);
}

/**
 * Deletes a message (sender, or the group's owner/admin): a tombstone keeps its seq.
 *
 * @example const tombstone = await removeMessage(room, chatId, userId, 7); // tombstone.deleted === true
 */
export async function removeMessage(
	room: RoomContext,
	chatId: string,
	userId: string,
	seq: number,
): Promise<Message> {
	const me = await room.member(chatId, userId);
	const row = room.store.bySeq(seq);
	if (!row) throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
	if (row.sender_id !== userId && me.role === "member")
		throw new ApiError("FORBIDDEN", "You may not delete this message");
	if (row.deleted_at) return room.store.toMessage(chatId, row);
	room.store.tombstone(seq, Date.now(), room.store.nextRev());
	return changed(room, chatId, seq);
}

/**
 * The files area calls this when a file is deleted: every message carrying it
 * shows it as deleted. Returns how many messages carried it.
 *
 * @example const n = await markAttachmentDeleted(room, fileId);
 */
export async function markAttachmentDeleted(room: RoomContext, fileId: string): Promise<number> {
	const chatId = room.chatId();
	const seqs = room.store.seqsWithFile(fileId);
	if (!chatId) return 0;
	await room.membership.load(chatId);
	for (const seq of seqs) {
		const row = room.store.bySeq(seq);
		if (!row || row.deleted_at) continue;
		const atts = (JSON.parse(row.attachments) as Message["attachments"]).map((a) =>
			a.file_id === fileId ? { ...a, deleted: true } : a,
		);
		room.store.setAttachments(seq, JSON.stringify(atts), room.store.nextRev());
		changed(room, chatId, seq);
	}
	return seqs.length;
}

/** Tells the members that message `seq` changed; returns it as it is now. */
function changed(room: RoomContext, chatId: string, seq: number): Message {
	const row = room.store.bySeq(seq) as NonNullable<ReturnType<RoomStore["bySeq"]>>;
	const message = room.store.toMessage(chatId, row);
	room.emit(room.membership.activeIds(), { type: "message.updated", chat_id: chatId, seq, message });
	return message;
}

/**
 * One message with its edit history and, for its sender, per-recipient receipts.
 *
 * @example const { message, edits, receipts } = await messageDetail(room, chatId, userId, 7);
 */
export async function messageDetail(room: RoomContext, chatId: string, userId: string, seq: number) {
	await room.member(chatId, userId);
	const row = room.store.bySeq(seq);
	if (!row) throw new ApiError("MESSAGE_NOT_FOUND", "Message not found", { status: 404 });
	const receipts =
		row.sender_id === userId
			? room.membership
					.activeIds()
					.filter((u) => u !== userId)
					.map((u) => {
						const r = room.store.receipt(u);
						const status: "read" | "delivered" | "pending" =
							r.read_seq >= seq ? "read" : r.delivered_seq >= seq ? "delivered" : "pending";
						return { user_id: u, status };
					})
			: null;
	return {
		message: readerView(room.store, chatId, userId, row),
		edits: row.deleted_at || room.membership.isE2e() ? [] : room.store.editsOf(seq),
		receipts,
	};
}

/**
 * History newest first by opaque `page_token`, or oldest first after `after_seq` (Egg).
 *
 * @example const page = await historyPage(room, chatId, userId, { page_size: 50 });
 */
export async function historyPage(
	room: RoomContext,
	chatId: string,
	userId: string,
	q: { page_token?: string; page_size?: number; after_seq?: number },
): Promise<HistoryPage> {
	await room.member(chatId, userId);
	const size = q.page_size ?? LIMITS.PAGE_SIZE_DEFAULT;
	// The token says which way it pages (`a` oldest first, `b` newest first) and from where.
	const token = q.page_token ? /^([ab])(\d{1,15})$/.exec(q.page_token) : null;
	if (q.page_token && !token)
		throw new ApiError("INVALID_PAGE_TOKEN", "page_token is not one this server issued", { status: 400 });
	const ascending = token ? token[1] === "a" : q.after_seq !== undefined;
	const from = token ? Number(token[2]) : ascending ? (q.after_seq ?? 0) : room.store.lastSeq() + 1;
	const rows = ascending ? room.store.after(from, size + 1) : room.store.page(from, size + 1);
	const page = rows.slice(0, size);
	const last = page[page.length - 1]?.seq;
	return {
		items: page.map((r) => readerView(room.store, chatId, userId, r)),
		page_token: rows.length > size ? `${ascending ? "a" : "b"}${last}` : null,
	};
}

/**
 * Resume: everything after `afterSeq` (oldest first, up to REPLAY_MAX; ask
 * again while `more`) plus older messages edited or deleted since.
 *
 * @example const { messages, updated, more } = await replayAfter(room, chatId, userId, 41);
 */
export async function replayAfter(
	room: RoomContext,
	chatId: string,
	userId: string,
	afterSeq: number,
): Promise<Replay> {
	await room.member(chatId, userId);
	const rows = room.store.after(afterSeq, LIMITS.REPLAY_MAX + 1);
	const more = rows.length > LIMITS.REPLAY_MAX;
	const updated = afterSeq > 0 ? room.store.changedSince(afterSeq, LIMITS.REPLAY_MAX) : [];
	return {
		messages: rows.slice(0, LIMITS.REPLAY_MAX).map((r) => readerView(room.store, chatId, userId, r)),
		updated: updated.map((r) => readerView(room.store, chatId, userId, r)),
		last_seq: room.store.lastSeq(),
		more,
	};
}

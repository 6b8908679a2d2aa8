import type { HubEvent } from "@hatch/contract/frames";
import type { DeliverBatch, DeliverResult } from "../chat-room/fanout";
import { sendChatEvents } from "./chat-events";
import type { HubContext } from "./context";
import { heldBack } from "./view-check";

/**
 * A ChatRoom's delivery to this user (UserHub.deliver): sockets subscribed
 * to the chat get the events; the other sockets get an inbox summary; with
 * no socket at all, a push (unless muted). Hub sockets of a device that has
 * the chat open on a chat-viewing socket get nothing: that socket shows it
 * (user-hub/views.ts). Synchronous up to the push, so batches go out in order.
 *
 * @example override async deliver(batch) { return deliverBatch(this, batch); }
 */
export function deliverBatch(hub: HubContext, batch: DeliverBatch): DeliverResult {
	const sockets = hub.openSockets();
	const watchers = hub.store.watchers(batch.chatId);
	const viewing = hub.store.viewers(batch.chatId);
	const news = batch.events.filter((e) => e.type === "message.new");
	const latest = news[news.length - 1];
	let held = false;
	for (const ws of sockets) {
		const who = hub.identity(ws);
		if (who.d && viewing.has(who.d)) {
			held = true;
			continue;
		}
		if (watchers.has(who.s)) {
			const queued = hub.replaying.get(`${who.s}:${batch.chatId}`);
			if (queued) queued.push(...batch.events);
			else sendChatEvents(hub, ws, who, batch.events);
			continue;
		}
		for (const e of batch.events) if (e.type === "chat.updated" || e.type === "receipt") hub.send(ws, e);
		if (latest?.type === "message.new") {
			const m = latest.message;
			hub.send(ws, {
				type: "inbox",
				chat_id: batch.chatId,
				seq: latest.seq,
				unread: batch.unread,
				last_message: { sender_id: m.sender_id, text: m.text.slice(0, 200), created_at: m.created_at },
			} satisfies HubEvent);
		}
	}
	// A view that held something back must still be true (view-check.ts).
	if (held) heldBack(hub, batch.chatId);
	const fromOthers = news.filter((e) => e.type === "message.new" && e.message.sender_id !== hub.userId);
	const last = fromOthers[fromOthers.length - 1];
	if (sockets.length === 0 && last?.type === "message.new" && !batch.muted) {
		const body = last.message.text.slice(0, 120) || "New message";
		hub.state.waitUntil(
			hub.sendPush({
				title: batch.chatName || "New message",
				body,
				data: { chat_id: batch.chatId, seq: String(last.seq) },
			}),
		);
	}
	return { sockets: sockets.length };
}

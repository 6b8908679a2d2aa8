import type { ChatEvent, HubEvent } from "@hatch/contract/frames";
import { messageItem } from "./views";
import { push } from "./wire";

type AnyEvent = HubEvent | { type: string; [k: string]: unknown };

/**
 * Translates one native hub event into the Phoenix pushes of the topics
 * this socket joined (topic → join_ref); events of topics not joined, and
 * native-only frames (hello, replay.done, result …), give nothing.
 *
 * @example for (const frame of phxPushes(event, joins, me)) ws.send(frame);
 */
export function phxPushes(e: AnyEvent, joins: Record<string, string>, userId: string): string[] {
	const out: string[] = [];
	const on = (topic: string, event: string, payload: Record<string, unknown>) => {
		const ref = joins[topic];
		if (ref !== undefined) out.push(push(ref, topic, event, payload));
	};
	const userTopic = `user:${userId}`;
	switch (e.type) {
		case "events":
			for (const inner of (e as { events: ChatEvent[] }).events) out.push(...phxPushes(inner, joins, userId));
			break;
		case "message.new":
		case "message.updated": {
			const { message, chat_id } = e as Extract<ChatEvent, { type: "message.new" }>;
			const topic = `conversation:${chat_id}`;
			if (message.deleted) on(topic, "message:deleted", { id: message.id });
			else on(topic, e.type === "message.new" ? "message:new" : "message:edited", messageItem(message));
			break;
		}
		case "typing": {
			const t = e as Extract<ChatEvent, { type: "typing" }>;
			on(`conversation:${t.chat_id}`, "typing", { user_id: t.user_id });
			break;
		}
		case "receipt": {
			const r = e as Extract<ChatEvent, { type: "receipt" }>;
			on(`conversation:${r.chat_id}`, "receipt", { receipts: r.receipts });
			break;
		}
		case "chat.updated": {
			const c = e as Extract<ChatEvent, { type: "chat.updated" }>;
			on(`conversation:${c.chat_id}`, "conversation:updated", {
				change: c.change,
				user_id: c.user_id ?? null,
			});
			break;
		}
		case "inbox": {
			const i = e as Extract<HubEvent, { type: "inbox" }>;
			on(userTopic, "message:notify", {
				conversation_id: i.chat_id,
				sender: i.last_message.sender_id,
				inserted_at: new Date(i.last_message.created_at).toISOString(),
			});
			break;
		}
		case "chat.invitation": {
			const i = e as Extract<HubEvent, { type: "chat.invitation" }>;
			on(userTopic, "conversation:invited", { conversation_id: i.chat_id, alias: i.name, from: i.from });
			break;
		}
		case "chat.removed": {
			const r = e as Extract<HubEvent, { type: "chat.removed" }>;
			on(userTopic, "conversation:removed", { conversation_id: r.chat_id, reason: r.reason });
			break;
		}
		case "e2e.key_changed": {
			const k = e as unknown as {
				user_id: string;
				device_id: string;
				fingerprint: string | null;
				chat_ids: string[];
			};
			const payload = {
				user_id: k.user_id,
				device_id: k.device_id,
				fingerprint: k.fingerprint,
				conversation_ids: k.chat_ids,
			};
			on(userTopic, "key:changed", payload);
			for (const id of k.chat_ids) on(`conversation:${id}`, "key:changed", payload);
			break;
		}
		case "presence": {
			const p = e as Extract<HubEvent, { type: "presence" }>;
			on("system:general", "presence", { user_id: p.user_id, online: p.online, last_seen: p.last_seen });
			break;
		}
		default:
			break;
	}
	return out;
}

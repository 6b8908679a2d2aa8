import { z } from "zod";
import type { Db } from "../../db/client";
import { acceptInvitation, createGroup, openDirect } from "../../domain/chats/manage";
import {
	deleteMessage,
	editE2eMessage,
	markRead,
	sendE2eMessage,
	sendTyping,
} from "../../domain/chats/messages";
import { activeMembership } from "../../domain/chats/queries";
import { conversationsOf, seqOfGroup } from "../../domain/e2e/conversations";
import { chatKeys, ownKeyBlob, publishDeviceKey, userKeys } from "../../domain/e2e/keys";
import { ApiError } from "../../errors";
import { conversationView, PHOENIX_DEVICE } from "./views";
import { type PhxFrame, reply, SOCKET_TOPIC } from "./wire";

/**
 * What the channel handler needs from the socket's holder (the UserHub): who
 * is signed in, the topics this socket joined (topic → join_ref), and the
 * hub's chat subscription for `conversation:` topics.
 */
export type PhoenixSocket = {
	env: Env;
	db: Db;
	userId: string;
	joins(): Record<string, string>;
	setJoin(topic: string, joinRef: string | null): void;
	subscribe(chatId: string): void;
	unsubscribe(chatId: string): void;
	send(frame: string): void;
};

const Key = z.string().min(16).max(4096);
const Copy = z.object({
	recipient: z.string().min(1).max(64),
	content: z.string().min(1).max(24_000),
	device_id: z.string().min(1).max(64).optional(),
});
const Payloads = {
	"conversation:create": z.object({
		private: z.boolean(),
		user_ids: z.array(z.string().min(1).max(64)).min(1).max(100),
		alias: z.string().trim().min(1).max(100).nullable().optional(),
	}),
	"conversation:accept": z.object({ conversation_id: z.string().min(1).max(64) }),
	"key:set": z.object({ public_key: Key, private_key: Key.nullable().optional() }),
	"key:get": z.object({ user_id: z.string().min(1).max(64).optional() }),
	"keys:get": z.object({}),
	"message:send": z.object({
		messages: z.array(Copy).min(1).max(500),
		client_id: z.string().min(1).max(64).optional(),
	}),
	"message:edit": z.object({
		message_group: z.string().min(1).max(64),
		messages: z.array(Copy).min(1).max(500),
	}),
	"message:delete": z.object({ message_group: z.string().min(1).max(64) }),
	"message:read": z.object({ message_group: z.string().min(1).max(64) }),
	typing: z.object({}),
};
type Event = keyof typeof Payloads;

const deps = (s: PhoenixSocket) => ({ env: s.env, db: s.db });
const copies = (messages: z.infer<typeof Copy>[]) =>
	messages.map((m) => ({
		user_id: m.recipient,
		device_id: m.device_id ?? PHOENIX_DEVICE,
		ciphertext: m.content,
	}));

/**
 * One inbound frame: heartbeat, joins and leaves, and the events of the
 * three channel kinds (README "Phoenix seed"), each answered by exactly one
 * phx_reply. Domain errors become `{reason: "<code in lower case>", message}`.
 *
 * @example await handlePhx(socket, ["1", "1", "user:abc", "phx_join", {}]);
 */
export async function handlePhx(s: PhoenixSocket, f: PhxFrame): Promise<void> {
	const [, , topic, event, payload] = f;
	try {
		if (topic === SOCKET_TOPIC && event === "heartbeat") return s.send(reply(f, "ok"));
		if (event === "phx_join") return s.send(reply(f, ...(await join(s, f))));
		if (!(topic in s.joins())) return s.send(reply(f, "error", { reason: "unmatched topic" }));
		if (event === "phx_leave") {
			s.setJoin(topic, null);
			if (topic.startsWith("conversation:")) s.unsubscribe(topic.slice("conversation:".length));
			s.send(reply(f, "ok"));
			s.send(JSON.stringify([f[0], f[0], topic, "phx_close", {}]));
			return;
		}
		if (!(event in Payloads)) return s.send(reply(f, "error", { reason: "unknown event" }));
		const parsed = Payloads[event as Event].safeParse(payload);
		if (!parsed.success)
			return s.send(
				reply(f, "error", { reason: "validation_failed", message: parsed.error.issues[0]?.message }),
			);
		s.send(reply(f, "ok", await perform(s, topic, event as Event, parsed.data)));
	} catch (err) {
		if (!(err instanceof ApiError)) throw err;
		s.send(
			reply(f, "error", {
				reason: String(err.code).toLowerCase(),
				message: err.message,
				details: err.details,
			}),
		);
	}
}

async function join(s: PhoenixSocket, f: PhxFrame): Promise<["ok" | "error", Record<string, unknown>]> {
	const topic = f[2];
	const joinRef = f[0] ?? f[1] ?? "";
	if (topic === "system:general") {
		s.setJoin(topic, joinRef);
		return ["ok", {}];
	}
	if (topic.startsWith("user:")) {
		if (topic !== `user:${s.userId}`) return ["error", { reason: "unauthorized" }];
		s.setJoin(topic, joinRef);
		return ["ok", {}];
	}
	if (topic.startsWith("conversation:")) {
		const chatId = topic.slice("conversation:".length);
		const row = await activeMembership(deps(s), s.userId, chatId).catch(() => null);
		if (!row?.chat.e2e) return ["error", { reason: "unauthorized" }];
		s.subscribe(chatId);
		s.setJoin(topic, joinRef);
		return ["ok", {}];
	}
	return ["error", { reason: "unmatched topic" }];
}

async function perform(s: PhoenixSocket, topic: string, event: Event, p: Record<string, unknown>) {
	const chatId = topic.startsWith("conversation:") ? topic.slice("conversation:".length) : null;
	const onUser = topic === `user:${s.userId}`;
	const wrongTopic = () => new ApiError("UNKNOWN_EVENT", `${event} is not an event of ${topic}`);
	switch (event) {
		case "conversation:create": {
			if (!onUser) throw wrongTopic();
			const q = p as z.infer<(typeof Payloads)["conversation:create"]>;
			if (q.private && q.user_ids.length !== 1)
				throw new ApiError("PRIVATE_NEEDS_ONE", "A private conversation is between exactly two users");
			const chat = q.private
				? (await openDirect(deps(s), s.userId, q.user_ids[0] as string, true)).chat
				: await createGroup(deps(s), s.userId, { name: q.alias ?? "Group", members: q.user_ids, e2e: true });
			return { conversation: await conversation(s, chat.id) };
		}
		case "conversation:accept": {
			if (!onUser) throw wrongTopic();
			const { conversation_id } = p as { conversation_id: string };
			await acceptInvitation(deps(s), s.userId, conversation_id);
			return { conversation: await conversation(s, conversation_id) };
		}
		case "key:set": {
			if (!onUser) throw wrongTopic();
			const q = p as { public_key: string; private_key?: string | null };
			const r = await publishDeviceKey(deps(s), s.userId, PHOENIX_DEVICE, {
				public_key: q.public_key,
				key_blob: q.private_key,
			});
			return { fingerprint: r.device.fingerprint, changed: r.changed };
		}
		case "key:get": {
			if (!onUser) throw wrongTopic();
			const who = (p as { user_id?: string }).user_id ?? s.userId;
			const key = (await userKeys(deps(s), who)).find((d) => d.device_id === PHOENIX_DEVICE);
			if (!key) throw new ApiError("KEY_NOT_FOUND", "No key published", { status: 404 });
			const own =
				who === s.userId ? { private_key: await ownKeyBlob(deps(s), s.userId, PHOENIX_DEVICE) } : {};
			return { user_id: who, public_key: key.public_key, fingerprint: key.fingerprint, ...own };
		}
		default:
			break;
	}
	if (!chatId) throw wrongTopic();
	switch (event) {
		case "keys:get":
			return { keys: await chatKeys(deps(s), s.userId, chatId) };
		case "message:send": {
			const q = p as { messages: z.infer<typeof Copy>[]; client_id?: string };
			const { message } = await sendE2eMessage(s.env, s.userId, chatId, {
				client_id: q.client_id ?? crypto.randomUUID(),
				device_id: PHOENIX_DEVICE,
				copies: copies(q.messages),
			});
			return {
				id: message.id,
				message_group: message.e2e?.group_id ?? null,
				inserted_at: new Date(message.created_at).toISOString(),
			};
		}
		case "message:edit": {
			const q = p as { message_group: string; messages: z.infer<typeof Copy>[] };
			const seq = await seqOfGroup(s.env, s.userId, chatId, q.message_group);
			const m = await editE2eMessage(s.env, s.userId, chatId, seq, {
				device_id: PHOENIX_DEVICE,
				copies: copies(q.messages),
			});
			return { id: m.id, message_group: m.e2e?.group_id ?? null };
		}
		case "message:delete": {
			const seq = await seqOfGroup(s.env, s.userId, chatId, (p as { message_group: string }).message_group);
			const m = await deleteMessage(s.env, s.userId, chatId, seq);
			return { id: m.id };
		}
		case "message:read": {
			const seq = await seqOfGroup(s.env, s.userId, chatId, (p as { message_group: string }).message_group);
			await markRead(s.env, s.userId, chatId, seq);
			return {};
		}
		case "typing":
			await sendTyping(s.env, s.userId, chatId);
			return {};
		default:
			throw wrongTopic();
	}
}

async function conversation(s: PhoenixSocket, chatId: string) {
	const c = (await conversationsOf(deps(s), s.userId)).find((x) => x.id === chatId);
	if (c) return conversationView(c);
	// A group the user was just invited to shows once they accept; its creator is active at once.
	throw new ApiError("NOT_FOUND", "Conversation not found");
}

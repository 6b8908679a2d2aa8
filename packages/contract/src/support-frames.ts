import { z } from "zod";
import { MessageText } from "./frames.ts";

/**
 * The support desk's socket (GET /v1/support/ws), declared once. Frames follow
 * the native protocol: requests `{type, id, ...}` get one `result` or `error
 * {code, reason, message}` with the same `id`; events carry `conversation_id`.
 * Customers use `support.send` and `support.history`; operators (role
 * operator or admin) the rest.
 */

const RequestId = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]);
const ConversationId = z.string().min(1).max(64);
const ClientId = z.string().min(1).max(64);
const UserId = z.string().min(1).max(64);

const req = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
	z.object({ type: z.literal(type), id: RequestId, ...shape }).strict();

export const SupportClientFrame = z.discriminatedUnion("type", [
	req("ping", {}),
	req("support.send", { text: MessageText, client_id: ClientId.optional() }),
	req("support.history", {}),
	req("support.queue", {}),
	req("support.conversation", { conversation_id: ConversationId }),
	req("support.take", { conversation_id: ConversationId }),
	req("support.reply", {
		conversation_id: ConversationId,
		text: MessageText,
		client_id: ClientId.optional(),
	}),
	req("support.transfer", { conversation_id: ConversationId, to: UserId.nullable() }),
	req("support.close", { conversation_id: ConversationId }),
	req("support.note", { conversation_id: ConversationId, text: MessageText }),
]);
export type SupportClientFrame = z.infer<typeof SupportClientFrame>;

/** A message as the desk shows it (REST and socket). `sender_id` of support is shown per the desk settings. */
export const SupportMessage = z
	.object({
		conversation_id: z.string(),
		seq: z.number().int(),
		text: z.string(),
		sender_id: z.string().nullable(),
		/** "" for the customer, the operator's display name (or the team name, per settings) for support. */
		sender_name: z.string(),
		is_from_support: z.boolean(),
		created_at: z.number().int().meta({ description: "Unix ms" }),
	})
	.meta({ id: "SupportMessage" });
export type SupportMessage = z.infer<typeof SupportMessage>;

/** One conversation as operators see it in the queue. */
export const SupportConversation = z
	.object({
		id: z.string(),
		customer: z.object({ id: z.string(), name: z.string(), number: z.number().int() }),
		status: z.enum(["waiting", "assigned", "closed"]),
		assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
		last_message: z
			.object({ seq: z.number().int(), text: z.string(), from_support: z.boolean(), at: z.number().int() })
			.nullable(),
		waiting_since: z.number().int().nullable(),
		wait_ms: z
			.number()
			.int()
			.meta({ description: "How long the customer has waited for an answer (0: answered)" }),
		unread: z.number().int(),
		created_at: z.number().int(),
		updated_at: z.number().int(),
		closed_at: z.number().int().nullable(),
	})
	.meta({ id: "SupportConversation" });
export type SupportConversation = z.infer<typeof SupportConversation>;

/** Desk settings (admins change them). */
export const SupportSettings = z
	.object({
		/** `display_name`: customers see each operator's display name; `team`: they see `team_name`. */
		operator_identity: z.enum(["display_name", "team"]),
		team_name: z.string().trim().min(1).max(64),
		/** Whether customers see the operator's user id (`sender_id`) on replies. */
		show_operator_id: z.boolean(),
	})
	.strict()
	.meta({ id: "SupportSettings" });
export type SupportSettings = z.infer<typeof SupportSettings>;

/** Server → client events of the support socket. */
export type SupportEvent =
	| { type: "hello"; user_id: string; operator: boolean; protocol: "json" | "msgpack" }
	/** On connect, to a customer: their conversation (or null) and its messages, oldest first. */
	| { type: "support.history"; conversation_id: string | null; messages: SupportMessage[] }
	/** On connect, to an operator: the waiting queue, oldest first. */
	| { type: "support.queue"; conversations: SupportConversation[] }
	| { type: "support.message"; conversation_id: string; message: SupportMessage }
	/** To operators: a conversation changed (new message, taken, transferred, closed, reopened). */
	| { type: "support.conversation"; conversation: SupportConversation; change: string }
	/** To operators: an internal note was added. */
	| { type: "support.note"; conversation_id: string; note: SupportNote };

/** An internal note: operators only, never shown to the customer, never in the chat. */
export const SupportNote = z
	.object({
		id: z.number().int(),
		conversation_id: z.string(),
		author: z.object({ id: z.string(), name: z.string() }),
		text: z.string(),
		created_at: z.number().int(),
	})
	.meta({ id: "SupportNote" });
export type SupportNote = z.infer<typeof SupportNote>;

/** A canned reply: the operator's own, or shared with every operator. */
export const SupportCanned = z
	.object({
		id: z.number().int(),
		owner_id: z.string(),
		shared: z.boolean(),
		title: z.string(),
		text: z.string(),
		created_at: z.number().int(),
	})
	.meta({ id: "SupportCanned" });
export type SupportCanned = z.infer<typeof SupportCanned>;

export const SupportCannedInput = z
	.object({ title: z.string().trim().min(1).max(100), text: MessageText, shared: z.boolean().default(false) })
	.strict()
	.meta({ id: "SupportCannedInput" });

/** Per-operator figures: open conversations, conversations answered today (UTC), median first response. */
export const SupportOperatorStats = z
	.object({
		operator: z.object({ id: z.string(), name: z.string() }),
		open: z.number().int(),
		answered_today: z.number().int(),
		median_first_response_ms: z.number().int().nullable(),
	})
	.meta({ id: "SupportOperatorStats" });
export type SupportOperatorStats = z.infer<typeof SupportOperatorStats>;

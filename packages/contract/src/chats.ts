import { z } from "zod";

/**
 * The REST shapes of chats (GET /v1/chats, GET /v1/chats/{id}), declared
 * once: the Worker answers with them (and documents them in /openapi.json),
 * the SDK and the web app read them.
 */

/** One member as chat info lists them. */
export const MemberView = z
	.object({
		user_id: z.string(),
		display_name: z.string(),
		username: z.string().nullable(),
		role: z.enum(["owner", "admin", "member"]),
		status: z.enum(["active", "invited"]),
	})
	.meta({ id: "ChatMember" });
export type MemberView = z.infer<typeof MemberView>;

/** Someone a chat names: the other side of a direct chat, who sent an invitation. */
export const Person = z.object({ id: z.string(), display_name: z.string(), username: z.string().nullable() });

/** A chat as its member sees it in the inbox (chatable) and in chat info. */
export const ChatView = z
	.object({
		id: z.string(),
		kind: z.enum(["direct", "group", "support"]),
		/** End-to-end encrypted: messages are sent as message groups (src/domain/e2e). */
		e2e: z.boolean(),
		name: z.string().nullable(),
		owner_id: z.string().nullable(),
		last_seq: z.number().int(),
		last_message: z
			.object({ sender_id: z.string(), text: z.string(), created_at: z.number().int() })
			.nullable(),
		unread: z.number().int(),
		muted: z.boolean(),
		role: z.enum(["owner", "admin", "member"]),
		status: z.enum(["active", "invited"]),
		/** For direct chats, the other person. */
		peer: Person.nullable(),
		/** Who sent a pending invitation; null once accepted. */
		invited_by: Person.nullable(),
		updated_at: z.number().int(),
	})
	.meta({ id: "Chat" });
export type ChatView = z.infer<typeof ChatView>;
export type Person = z.infer<typeof Person>;

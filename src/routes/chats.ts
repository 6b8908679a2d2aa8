import { ChatName } from "@hatch/contract/frames";
import { LIMITS } from "@hatch/contract/limits";
import { z } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import {
	acceptInvitation,
	createGroup,
	deleteChat,
	inviteMember,
	leaveChat,
	openDirect,
	rejectInvitation,
	removeMember,
	renameChat,
	setMuted,
	setRole,
} from "../domain/chats/manage";
import { getChat, listChats } from "../domain/chats/queries";
import { createRouter } from "../lib/router";
import { ChatIdParam, ChatInfo, ChatView, route } from "./chat-schemas";

const UserRef = z.string().trim().min(1).max(64).openapi({ description: "User id or username" });
const MemberParam = ChatIdParam.extend({ userId: z.string().min(1).max(64) });
const Ok = z.object({ chat_id: z.string(), ok: z.boolean() }).openapi("ChatActionResult");

const create = route("post", "/v1/chats", "Create a group chat", {
	description: `You become the owner; everyone in \`members\` (ids or usernames, up to ${LIMITS.CREATE_MEMBERS_MAX}) is invited and must accept.`,
	body: z
		.strictObject({
			name: ChatName,
			members: z.array(UserRef).max(LIMITS.CREATE_MEMBERS_MAX).default([]),
			e2e: z
				.boolean()
				.default(false)
				.openapi({ description: "End-to-end encrypted (messages are message groups)" }),
		})
		.openapi("CreateChat"),
	response: ChatInfo,
	status: 201,
});
const list = route("get", "/v1/chats", "Your chats (the inbox)", {
	description:
		"Most recently active first, with the last message and unread count; pending invitations have status `invited` and `invited_by`, and show no content (no `last_message`, `last_seq` 0) until accepted.",
	response: z.object({ chats: z.array(ChatView) }),
});
const direct = route("post", "/v1/chats/direct", "The direct chat with a user (by id or username)", {
	description:
		"Exactly one direct chat exists per pair of users: created on first use, returned afterwards (`created: false`).",
	body: z.strictObject({ user: UserRef, e2e: z.boolean().default(false) }).openapi("OpenDirect"),
	response: z.object({ created: z.boolean(), chat: ChatInfo }),
});
const info = route("get", "/v1/chats/{chatId}", "Chat info with members", {
	params: ChatIdParam,
	response: ChatInfo,
});
const rename = route("patch", "/v1/chats/{chatId}", "Rename a group (owner or admin)", {
	params: ChatIdParam,
	body: z.strictObject({ name: ChatName }).openapi("RenameChat"),
	response: ChatInfo,
});
const remove = route(
	"delete",
	"/v1/chats/{chatId}",
	"Delete a chat (group owner; either member of a direct chat)",
	{
		params: ChatIdParam,
		response: Ok,
	},
);
const leave = route("post", "/v1/chats/{chatId}/leave", "Leave a group", {
	params: ChatIdParam,
	response: Ok,
});
const invite = route("post", "/v1/chats/{chatId}/invitations", "Invite a user (owner or admin)", {
	params: ChatIdParam,
	body: z.strictObject({ user: UserRef }).openapi("InviteToChat"),
	response: z.object({ user_id: z.string(), invited: z.boolean() }),
});
const accept = route("post", "/v1/chats/{chatId}/accept", "Accept an invitation", {
	params: ChatIdParam,
	response: ChatInfo,
});
const reject = route("post", "/v1/chats/{chatId}/reject", "Reject an invitation", {
	params: ChatIdParam,
	response: Ok,
});
const kick = route("delete", "/v1/chats/{chatId}/members/{userId}", "Remove a member (owner or admin)", {
	params: MemberParam,
	response: Ok,
});
const role = route(
	"patch",
	"/v1/chats/{chatId}/members/{userId}",
	"Make a member admin or member (owner only)",
	{
		params: MemberParam,
		body: z.strictObject({ role: z.enum(["admin", "member"]) }).openapi("SetMemberRole"),
		response: ChatInfo,
	},
);
const mute = route("post", "/v1/chats/{chatId}/mute", "Mute (no push; still counted unread)", {
	params: ChatIdParam,
	response: z.object({ chat_id: z.string(), muted: z.boolean() }),
});
const unmute = route("post", "/v1/chats/{chatId}/unmute", "Unmute", {
	params: ChatIdParam,
	response: z.object({ chat_id: z.string(), muted: z.boolean() }),
});

const deps = (c: { env: Env }) => ({ env: c.env, db: createDb(c.env.DB) });

export const chatRoutes = createRouter()
	.openapi(create, async (c) =>
		c.json(await createGroup(deps(c), c.var.auth.userId, c.req.valid("json")), 201),
	)
	.openapi(list, async (c) => c.json({ chats: await listChats(deps(c), c.var.auth.userId) }, 200))
	.openapi(direct, async (c) =>
		c.json(
			await openDirect(deps(c), c.var.auth.userId, c.req.valid("json").user, c.req.valid("json").e2e),
			200,
		),
	)
	.openapi(info, async (c) =>
		c.json(await getChat(deps(c), c.var.auth.userId, c.req.valid("param").chatId), 200),
	)
	.openapi(rename, async (c) =>
		c.json(
			await renameChat(deps(c), c.var.auth.userId, c.req.valid("param").chatId, c.req.valid("json").name),
			200,
		),
	)
	.openapi(remove, async (c) => {
		const { chatId } = c.req.valid("param");
		await deleteChat(deps(c), c.var.auth.userId, chatId);
		return c.json({ chat_id: chatId, ok: true }, 200);
	})
	.openapi(leave, async (c) => {
		const { chatId } = c.req.valid("param");
		await leaveChat(deps(c), c.var.auth.userId, chatId);
		return c.json({ chat_id: chatId, ok: true }, 200);
	})
	.openapi(invite, async (c) =>
		c.json(
			await inviteMember(deps(c), c.var.auth.userId, c.req.valid("param").chatId, c.req.valid("json").user),
			200,
		),
	)
	.openapi(accept, async (c) =>
		c.json(await acceptInvitation(deps(c), c.var.auth.userId, c.req.valid("param").chatId), 200),
	)
	.openapi(reject, async (c) => {
		const { chatId } = c.req.valid("param");
		await rejectInvitation(deps(c), c.var.auth.userId, chatId);
		return c.json({ chat_id: chatId, ok: true }, 200);
	})
	.openapi(kick, async (c) => {
		const { chatId, userId } = c.req.valid("param");
		await removeMember(deps(c), c.var.auth.userId, chatId, userId);
		return c.json({ chat_id: chatId, ok: true }, 200);
	})
	.openapi(role, async (c) => {
		const { chatId, userId } = c.req.valid("param");
		return c.json(await setRole(deps(c), c.var.auth.userId, chatId, userId, c.req.valid("json").role), 200);
	})
	.openapi(mute, async (c) =>
		c.json(await setMuted(deps(c), c.var.auth.userId, c.req.valid("param").chatId, true), 200),
	)
	.openapi(unmute, async (c) =>
		c.json(await setMuted(deps(c), c.var.auth.userId, c.req.valid("param").chatId, false), 200),
	);

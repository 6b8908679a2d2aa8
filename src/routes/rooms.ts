import { SendMessageInput } from "@hatch/contract/frames";
import { ROOM_LIMITS, RoomId, RoomInfo, RoomName, RoomSummary, RoomTree } from "@hatch/contract/rooms";
import { z } from "@hono/zod-openapi";
import { createDb } from "../db/client";
import { enterRoomChat, sendToRoom } from "../domain/rooms/enter";
import { addRoomUser, createRoom, getRoom, getTree, listRooms, renameRoom } from "../domain/rooms/rooms";
import { addSubroom, deleteRoom, removeRoomUser } from "../domain/rooms/structure";
import { decodePageToken, pageOf, pageQuery, pageSchema, UUID_CURSOR } from "../lib/pagination";
import { createRouter } from "../lib/router";
import { ChatInfo, Message, route } from "./chat-schemas";

const tags = ["rooms"];
const UserRef = z.string().trim().min(1).max(64).openapi({ description: "User id or username" });
const Param = z.object({ roomId: RoomId });
const MemberParam = Param.extend({ userId: z.string().min(1).max(64) });
const RULES =
	"A direct owner of the room or of a room above it manages it; any other member of it or of a room above it reads it; anyone else gets 404 ROOM_NOT_FOUND.";

const create = route("post", "/v1/rooms", "Create a room (under `parent_id`: managers of the parent)", {
	tags,
	description: `You become its owner; everyone in \`members\` (ids or usernames) a member. The room gets its own group chat. Under a parent the tree's limits hold (409 ROOM_TOO_DEEP, ROOM_TREE_FULL). ${RULES}`,
	body: z
		.strictObject({
			name: RoomName,
			parent_id: RoomId.optional(),
			members: z.array(UserRef).max(ROOM_LIMITS.CREATE_MEMBERS_MAX).default([]),
		})
		.openapi("CreateRoom"),
	response: RoomInfo,
	status: 201,
});
const list = route("get", "/v1/rooms", "Rooms you are a direct member of", {
	tags,
	description: "Rooms you reach only through a room above are in that room's tree.",
	query: pageQuery({ size: 50, max: 200 }),
	response: pageSchema(RoomSummary),
});
const info = route("get", "/v1/rooms/{roomId}", "Room info: subrooms, direct members, chats", {
	tags,
	description: RULES,
	params: Param,
	response: RoomInfo,
});
const tree = route("get", "/v1/rooms/{roomId}/tree", "The room and everything below it", {
	tags,
	params: Param,
	response: RoomTree,
});
const rename = route("patch", "/v1/rooms/{roomId}", "Rename a room and its chat (managers)", {
	tags,
	params: Param,
	body: z.strictObject({ name: RoomName }).openapi("RenameRoom"),
	response: RoomInfo,
});
const remove = route(
	"delete",
	"/v1/rooms/{roomId}",
	"Delete a room, its subrooms and their chats (managers)",
	{
		tags,
		params: Param,
		response: z.object({ room_id: z.string(), deleted: z.array(z.string()) }),
	},
);
const addUser = route("post", "/v1/rooms/{roomId}/members", "Add a user (managers)", {
	tags,
	params: Param,
	body: z.strictObject({ user: UserRef }).openapi("AddRoomUser"),
	response: z.object({ room_id: z.string(), user_id: z.string(), added: z.boolean() }),
});
const removeUser = route(
	"delete",
	"/v1/rooms/{roomId}/members/{userId}",
	"Remove a user (managers), or leave",
	{
		tags,
		description:
			"The room's owner cannot be removed (409 ROOM_OWNER). Whoever can no longer read a room below loses its chat.",
		params: MemberParam,
		response: z.object({ room_id: z.string(), user_id: z.string(), removed: z.boolean() }),
	},
);
const subroom = route("post", "/v1/rooms/{roomId}/subrooms", "Place an existing room under this one", {
	tags,
	description:
		"Needs the right to manage both rooms. 409 ROOM_CYCLE when the room would become its own ancestor; ROOM_TOO_DEEP, ROOM_TREE_FULL past the limits.",
	params: Param,
	body: z.strictObject({ room_id: RoomId }).openapi("AddSubroom"),
	response: RoomInfo,
});
const enter = route("post", "/v1/rooms/{roomId}/enter", "Enter the room's chat", {
	tags,
	description: "You become an active member of the room's chat (readers of the room).",
	params: Param,
	response: z.object({ room_id: z.string(), joined: z.boolean(), chat: ChatInfo }),
});
const send = route("post", "/v1/rooms/{roomId}/messages", "Send to the room's chat (entering it if needed)", {
	tags,
	params: Param,
	body: SendMessageInput.strict().openapi("SendRoomMessage"),
	response: z.object({ room_id: z.string(), chat_id: z.string(), message: Message }),
	status: 201,
});

const deps = (c: { env: Env }) => ({ env: c.env, db: createDb(c.env.DB) });

export const roomRoutes = createRouter()
	.openapi(create, async (c) =>
		c.json(await createRoom(deps(c), c.var.auth.userId, c.req.valid("json")), 201),
	)
	.openapi(list, async (c) => {
		const q = c.req.valid("query");
		const rows = await listRooms(
			deps(c),
			c.var.auth.userId,
			q.page_size,
			decodePageToken(q.page_token, UUID_CURSOR),
		);
		return c.json(
			pageOf(
				rows,
				q.page_size,
				({ cursor: _c, ...r }) => r,
				(r) => r.cursor,
			),
			200,
		);
	})
	.openapi(info, async (c) =>
		c.json(await getRoom(deps(c), c.var.auth.userId, c.req.valid("param").roomId), 200),
	)
	.openapi(tree, async (c) =>
		c.json(await getTree(deps(c), c.var.auth.userId, c.req.valid("param").roomId), 200),
	)
	.openapi(rename, async (c) =>
		c.json(
			await renameRoom(deps(c), c.var.auth.userId, c.req.valid("param").roomId, c.req.valid("json").name),
			200,
		),
	)
	.openapi(remove, async (c) =>
		c.json(await deleteRoom(deps(c), c.var.auth.userId, c.req.valid("param").roomId), 200),
	)
	.openapi(addUser, async (c) =>
		c.json(
			await addRoomUser(deps(c), c.var.auth.userId, c.req.valid("param").roomId, c.req.valid("json").user),
			200,
		),
	)
	.openapi(removeUser, async (c) => {
		const { roomId, userId } = c.req.valid("param");
		return c.json(await removeRoomUser(deps(c), c.var.auth.userId, roomId, userId), 200);
	})
	.openapi(subroom, async (c) =>
		c.json(
			await addSubroom(deps(c), c.var.auth.userId, c.req.valid("param").roomId, c.req.valid("json").room_id),
			200,
		),
	)
	.openapi(enter, async (c) =>
		c.json(await enterRoomChat(deps(c), c.var.auth.userId, c.req.valid("param").roomId), 200),
	)
	.openapi(send, async (c) =>
		c.json(
			await sendToRoom(deps(c), c.var.auth.userId, c.req.valid("param").roomId, c.req.valid("json")),
			201,
		),
	);

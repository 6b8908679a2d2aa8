import { makeCampaign, makeList, makeSound, makeTrunk } from "../campaigns/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { mintTicket } from "../helpers/ws-client";
import type { Role, World } from "./fixture";
import type { Outcome } from "./table";
import { rest, socketCall } from "./via";

/**
 * The authorisation matrix: every resource and action, over REST and both
 * sockets, with who may do it. Everyone else is refused with 403 or 404 and a
 * stable code, and the chat is left as it was. The tests are generated from
 * this table (matrix.test.ts); a new route or frame gets a row here.
 */

/** What an attempt came to: an HTTP status (a socket result is 200, an error its code). */
export type { Outcome } from "./table";

export type Row = {
	resource: string;
	action: string;
	via: "rest" | "hub" | "chat-socket";
	allowed: readonly Role[];
	/** Statuses success may take (any 2xx unless told). */
	allowedWith?: readonly number[];
	/** Statuses a refusal may take (403 and 404 unless told). */
	refusedWith?: readonly number[];
	/** Creates what the row needs beyond the world (owned resources). */
	setup?: (w: World) => Promise<Record<string, string>>;
	run: (w: World, actor: TestUser, extra: Record<string, string>) => Promise<Outcome>;
};

const MEMBERS = ["owner", "member"] as const;

const hub = (actor: TestUser, frame: Record<string, unknown>) => socketCall(actor, frame);

const chat = (w: World, rest = "") => `/v1/chats/${w.chatId}${rest}`;

/** Resources a user owns outright: only their owner may touch them. */
async function owned(w: World): Promise<Record<string, string>> {
	const owner = w.users.owner;
	const trunk = await makeTrunk(owner, { host: "sip.example.com" });
	const sound = await makeSound(owner);
	const list = await makeList(owner, ["+14155550100"]);
	const campaign = (await makeCampaign(owner, ["+14155550101"])) as { id: string };
	return { trunk: trunk.id, sound: sound.id, list: list.id, campaign: campaign.id };
}

const ONLY_OWNER = ["owner"] as const;

/**
 * A room tree of the world's owner: a root with the world's member as a
 * direct member, and a subroom below it the member reads by inheritance.
 * Everyone else (the chat's invitee and removed member too) is a stranger to it.
 */
async function roomTree(w: World): Promise<Record<string, string>> {
	const make = async (json: unknown) => {
		const res = await api("/v1/rooms", { method: "POST", headers: w.users.owner.auth, json });
		if (res.status !== 201) throw new Error(`room: ${res.status} ${await res.text()}`);
		return (await res.json()) as { id: string };
	};
	const root = await make({ name: "Root", members: [w.users.member.id] });
	const sub = await make({ name: "Sub", parent_id: root.id });
	return { root: root.id, sub: sub.id };
}

const roomRow = (
	action: string,
	allowed: readonly Role[],
	run: (a: TestUser, x: Record<string, string>) => Promise<Outcome>,
	via: "rest" | "hub" = "rest",
): Row => ({
	resource: "room (inherited)",
	action,
	via,
	allowed,
	setup: roomTree,
	run: (_w, a, x) => run(a, x),
});

export const MATRIX: Row[] = [
	// ── chats over REST
	{
		resource: "chat",
		action: "read",
		via: "rest",
		allowed: [...MEMBERS, "invitee"],
		run: (w, a) => rest(chat(w), a),
	},
	{
		resource: "messages",
		action: "list",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(chat(w, "/messages"), a),
	},
	{
		resource: "message",
		action: "read",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(chat(w, `/messages/${w.ownerSeq}`), a),
	},
	{
		resource: "message",
		action: "send",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) =>
			rest(chat(w, "/messages"), a, { method: "POST", json: { client_id: crypto.randomUUID(), text: "hi" } }),
	},
	{
		resource: "message",
		action: "edit the owner's",
		via: "rest",
		allowed: ["owner"],
		run: (w, a) => rest(chat(w, `/messages/${w.ownerSeq}`), a, { method: "PATCH", json: { text: "edited" } }),
	},
	{
		resource: "message",
		action: "delete the member's",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(chat(w, `/messages/${w.memberSeq}`), a, { method: "DELETE" }),
	},
	{
		resource: "chat",
		action: "rename",
		via: "rest",
		allowed: ["owner"],
		run: (w, a) => rest(chat(w), a, { method: "PATCH", json: { name: "Renamed" } }),
	},
	{
		resource: "chat",
		action: "invite",
		via: "rest",
		allowed: ["owner"],
		run: async (w, a) => {
			const newcomer = await createTestUser();
			return rest(chat(w, "/invitations"), a, { method: "POST", json: { user: newcomer.id } });
		},
	},
	{
		resource: "member",
		action: "remove",
		via: "rest",
		allowed: ["owner"],
		run: (w, a) => rest(chat(w, `/members/${w.users.member.id}`), a, { method: "DELETE" }),
	},
	{
		resource: "member",
		action: "change role",
		via: "rest",
		allowed: ["owner"],
		run: (w, a) =>
			rest(chat(w, `/members/${w.users.member.id}`), a, { method: "PATCH", json: { role: "admin" } }),
	},
	{
		resource: "receipts",
		action: "list",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(chat(w, "/receipts"), a),
	},
	{
		resource: "receipts",
		action: "mark read",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(chat(w, "/read"), a, { method: "POST", json: { seq: w.ownerSeq } }),
	},
	{
		resource: "typing",
		action: "signal",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(chat(w, "/typing"), a, { method: "POST" }),
	},
	{
		resource: "chat",
		action: "mute",
		via: "rest",
		allowed: [...MEMBERS, "invitee"],
		run: (w, a) => rest(chat(w, "/mute"), a, { method: "POST" }),
	},
	// Accepting what you already hold is a no-op that answers 200; rejecting it is a 409.
	{
		resource: "invitation",
		action: "accept",
		via: "rest",
		allowed: [...MEMBERS, "invitee"],
		refusedWith: [403, 404, 409],
		run: (w, a) => rest(chat(w, "/accept"), a, { method: "POST" }),
	},
	{
		resource: "invitation",
		action: "reject",
		via: "rest",
		allowed: ["invitee"],
		refusedWith: [403, 404, 409],
		run: (w, a) => rest(chat(w, "/reject"), a, { method: "POST" }),
	},
	// The owner may leave: ownership passes to the longest-standing member. An invitee leaving declines.
	{
		resource: "chat",
		action: "leave",
		via: "rest",
		allowed: ["owner", "member", "invitee"],
		run: (w, a) => rest(chat(w, "/leave"), a, { method: "POST" }),
	},
	{
		resource: "chat",
		action: "delete",
		via: "rest",
		allowed: ["owner"],
		run: (w, a) => rest(chat(w), a, { method: "DELETE" }),
	},
	{
		resource: "presence",
		action: "read the owner's",
		via: "rest",
		allowed: MEMBERS,
		run: (w, a) => rest(`/v1/presence/${w.users.owner.id}`, a),
	},
	// ── chats over the hub socket
	{
		resource: "chat",
		action: "info",
		via: "hub",
		allowed: [...MEMBERS, "invitee"],
		run: (w, a) => hub(a, { type: "chat.info", chat_id: w.chatId }),
	},
	{
		resource: "message",
		action: "send",
		via: "hub",
		allowed: MEMBERS,
		run: (w, a) =>
			hub(a, { type: "message.send", chat_id: w.chatId, client_id: crypto.randomUUID(), text: "hi" }),
	},
	{
		resource: "messages",
		action: "history",
		via: "hub",
		allowed: MEMBERS,
		run: (w, a) => hub(a, { type: "message.history", chat_id: w.chatId }),
	},
	{
		resource: "messages",
		action: "subscribe",
		via: "hub",
		allowed: MEMBERS,
		run: (w, a) => hub(a, { type: "chat.subscribe", chat_id: w.chatId, after_seq: 0 }),
	},
	{
		resource: "typing",
		action: "signal",
		via: "hub",
		allowed: MEMBERS,
		run: (w, a) => hub(a, { type: "chat.typing", chat_id: w.chatId }),
	},
	{
		resource: "chat",
		action: "rename",
		via: "hub",
		allowed: ["owner"],
		run: (w, a) => hub(a, { type: "chat.rename", chat_id: w.chatId, name: "Renamed" }),
	},
	{
		resource: "message",
		action: "edit the owner's",
		via: "hub",
		allowed: ["owner"],
		run: (w, a) => hub(a, { type: "message.edit", chat_id: w.chatId, seq: w.ownerSeq, text: "edited" }),
	},
	{
		resource: "presence",
		action: "read the owner's",
		via: "hub",
		allowed: MEMBERS,
		run: (w, a) => hub(a, { type: "presence.get", user_id: w.users.owner.id }),
	},
	// ── the chat-viewing socket
	{
		resource: "chat",
		action: "open a viewing socket",
		via: "chat-socket",
		allowed: MEMBERS,
		run: async (w, a) => {
			const ticket = await mintTicket(a);
			const res = await api(`${chat(w, "/ws")}?ticket=${encodeURIComponent(ticket)}`, {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
			});
			if (res.status === 101) {
				res.webSocket?.accept();
				res.webSocket?.close(1000, "bye");
				return { status: 200 };
			}
			const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
			return { status: res.status, code: body?.error?.code };
		},
	},
	// ── what a user owns outright
	...(
		[
			["sip trunk", "read", (x: Record<string, string>) => `/v1/sip-trunks/${x.trunk}`, "GET"],
			["sip trunk", "update", (x: Record<string, string>) => `/v1/sip-trunks/${x.trunk}`, "PATCH"],
			[
				"sip trunk",
				"test call",
				(x: Record<string, string>) => `/v1/sip-trunks/${x.trunk}/test-call`,
				"POST",
			],
			["sip trunk", "delete", (x: Record<string, string>) => `/v1/sip-trunks/${x.trunk}`, "DELETE"],
			["sound", "read", (x: Record<string, string>) => `/v1/sounds/${x.sound}`, "GET"],
			["sound", "download", (x: Record<string, string>) => `/v1/sounds/${x.sound}/audio`, "GET"],
			["sound", "delete", (x: Record<string, string>) => `/v1/sounds/${x.sound}`, "DELETE"],
			["contact list", "read", (x: Record<string, string>) => `/v1/contact-lists/${x.list}`, "GET"],
			[
				"contact list",
				"contacts",
				(x: Record<string, string>) => `/v1/contact-lists/${x.list}/contacts`,
				"GET",
			],
			["contact list", "delete", (x: Record<string, string>) => `/v1/contact-lists/${x.list}`, "DELETE"],
			["campaign", "read", (x: Record<string, string>) => `/v1/campaigns/${x.campaign}`, "GET"],
			["campaign", "calls", (x: Record<string, string>) => `/v1/campaigns/${x.campaign}/calls`, "GET"],
			[
				"campaign",
				"export csv",
				(x: Record<string, string>) => `/v1/campaigns/${x.campaign}/calls.csv`,
				"GET",
			],
			["campaign", "update", (x: Record<string, string>) => `/v1/campaigns/${x.campaign}`, "PATCH"],
			["campaign", "delete", (x: Record<string, string>) => `/v1/campaigns/${x.campaign}`, "DELETE"],
		] as const
	).map(
		([resource, action, path, method]): Row => ({
			resource,
			action,
			via: "rest",
			allowed: ONLY_OWNER,
			// The owner's test call passes authorisation and reaches the dialer, which worker tests do not run.
			allowedWith: action === "test call" ? [202, 502] : undefined,
			setup: owned,
			run: (_w, a, x) =>
				rest(path(x), a, {
					method,
					json:
						method === "PATCH"
							? { name: "Renamed" }
							: method === "POST"
								? { to: "+14155550123", sound_id: x.sound }
								: undefined,
				}),
		}),
	),
	// ── rooms: members of a room above read, its owner manages (README "Rooms")
	roomRow("info", MEMBERS, (a, x) => rest(`/v1/rooms/${x.sub}`, a)),
	roomRow("tree", MEMBERS, (a, x) => rest(`/v1/rooms/${x.root}/tree`, a)),
	roomRow("enter chat", MEMBERS, (a, x) => rest(`/v1/rooms/${x.sub}/enter`, a, { method: "POST" })),
	roomRow("send", MEMBERS, (a, x) =>
		rest(`/v1/rooms/${x.sub}/messages`, a, { method: "POST", json: { client_id: "m", text: "hi" } }),
	),
	roomRow("rename", ONLY_OWNER, (a, x) =>
		rest(`/v1/rooms/${x.sub}`, a, { method: "PATCH", json: { name: "R" } }),
	),
	roomRow("add user", ONLY_OWNER, async (a, x) => {
		const newcomer = await createTestUser();
		return rest(`/v1/rooms/${x.sub}/members`, a, { method: "POST", json: { user: newcomer.id } });
	}),
	roomRow("create subroom", ONLY_OWNER, (a, x) =>
		rest("/v1/rooms", a, { method: "POST", json: { name: "S", parent_id: x.sub } }),
	),
	roomRow("delete", ONLY_OWNER, (a, x) => rest(`/v1/rooms/${x.sub}`, a, { method: "DELETE" })),
	roomRow("info", MEMBERS, (a, x) => hub(a, { type: "room.info", room_id: x.sub }), "hub"),
	roomRow(
		"send",
		MEMBERS,
		(a, x) => hub(a, { type: "room.send", room_id: x.sub, client_id: "h", text: "hi" }),
		"hub",
	),
	roomRow("rename", ONLY_OWNER, (a, x) => hub(a, { type: "room.rename", room_id: x.sub, name: "R" }), "hub"),
	// ── administration
	{
		resource: "user (admin)",
		action: "read",
		via: "rest",
		allowed: ["operator", "admin"],
		run: (w, a) => rest(`/v1/admin/users/${w.users.member.id}`, a),
	},
	{
		resource: "user (admin)",
		action: "change role",
		via: "rest",
		allowed: ["admin"],
		run: (w, a) =>
			rest(`/v1/admin/users/${w.users.member.id}/role`, a, { method: "PUT", json: { role: "operator" } }),
	},
];

import type { TestUser } from "../helpers/users";
import { E2E_ROLES, type E2eRole, type E2eWorld, group } from "./e2e-fixture";
import { byRole, type Cell, no, ok, type TableRow } from "./table";
import { phx, rest, socketCall } from "./via";

/**
 * The e2e chats' authorisation matrix: the key directory, message groups over
 * REST and the hub socket, and the Phoenix seed's adapter (/compat/phoenix),
 * which is the e2e protocol, for the chat's owner, a member, an invitee, a
 * removed member and a stranger. Tests: e2e-matrix.test.ts.
 */
type Row = TableRow<E2eWorld, E2eRole>;

const MEMBERS = ["owner", "member"] as const;
/** Members may; an invitee is told to accept first; anyone else is told there is no such chat. */
const members = (cell: Cell, otherwise: Cell = no(404, "NOT_FOUND")) =>
	byRole(
		E2E_ROLES,
		{ ...Object.fromEntries(MEMBERS.map((r) => [r, cell])), invitee: no(403, "FORBIDDEN") },
		otherwise,
	);
const chat = (w: E2eWorld, rest = "") => `/v1/chats/${w.chatId}${rest}`;
/** A group from the actor's device to every current device of the chat's active members but it. */
const groupFrom = (w: E2eWorld, role: E2eRole) =>
	group(
		w.device[role],
		MEMBERS.filter((r) => r !== role).map((r): [string, string] => [w.users[r].id, w.device[r]]),
	);
/** Every copy a reader was handed is addressed to a device of theirs. */
function onlyOwnCopies(items: { e2e?: { copies: { device_id: string }[] } }[], device: string) {
	const foreign = items.flatMap((m) => m.e2e?.copies ?? []).filter((c) => c.device_id !== device);
	if (foreign.length) throw new Error(`handed copies for ${foreign.map((c) => c.device_id)}`);
}
const phoenix = (a: TestUser, topic: string, event?: string, payload?: Record<string, unknown>) =>
	phx(a.token, topic, event, payload);

export const E2E_MATRIX: Row[] = [
	// ── the key directory
	{
		resource: "key directory",
		action: "publish own device key",
		via: "rest",
		expect: byRole(E2E_ROLES, {}, ok()),
		run: (w, a, _x, role) =>
			rest(`/v1/e2e/devices/${w.device[role]}-2`, a, {
				method: "PUT",
				json: { public_key: "another-public-key-material" },
			}),
	},
	{
		resource: "key directory",
		action: "remove the member's device",
		via: "rest",
		// Device ids are per user: the path names the caller's own device, which others do not have.
		expect: byRole(E2E_ROLES, {}, ok()),
		run: (w, a) => rest(`/v1/e2e/devices/${w.device.member}`, a, { method: "DELETE" }),
		check: (out, role) => {
			const removed = (out.body as { removed: boolean }).removed;
			if (removed !== (role === "member")) throw new Error(`${role}: removed ${removed}`);
		},
	},
	{
		resource: "chat keys",
		action: "read",
		via: "rest",
		expect: members(ok()),
		run: (w, a) => rest(chat(w, "/e2e/keys"), a),
	},
	// ── message groups
	{
		resource: "message group",
		action: "send",
		via: "rest",
		expect: members(ok(201)),
		run: (w, a, _x, role) =>
			rest(chat(w, "/e2e/messages"), a, {
				method: "POST",
				json: { client_id: crypto.randomUUID(), ...groupFrom(w, role) },
			}),
	},
	{
		resource: "message group",
		action: "edit the owner's",
		via: "rest",
		expect: { ...members(ok()), member: no(403, "FORBIDDEN") },
		run: (w, a, _x, role) =>
			rest(chat(w, `/e2e/messages/${w.ownerSeq}`), a, { method: "PATCH", json: groupFrom(w, role) }),
	},
	{
		resource: "messages",
		action: "read (own copies only)",
		via: "rest",
		expect: members(ok()),
		run: (w, a) => rest(chat(w, "/messages?after_seq=0"), a),
		check: (out, role, w) => onlyOwnCopies((out.body as { items: [] }).items, w.device[role]),
	},
	{
		resource: "message group",
		action: "send",
		via: "hub",
		expect: members(ok()),
		run: (w, a, _x, role) =>
			socketCall(a, {
				type: "message.send_e2e",
				chat_id: w.chatId,
				client_id: crypto.randomUUID(),
				...groupFrom(w, role),
			}),
	},
	{
		resource: "message group",
		action: "edit the owner's",
		via: "hub",
		expect: { ...members(ok()), member: no(403, "FORBIDDEN") },
		run: (w, a, _x, role) =>
			socketCall(a, { type: "message.edit_e2e", chat_id: w.chatId, seq: w.ownerSeq, ...groupFrom(w, role) }),
	},
	{
		resource: "messages",
		action: "history (own copies only)",
		via: "hub",
		expect: members(ok()),
		run: (w, a) => socketCall(a, { type: "message.history", chat_id: w.chatId }),
		check: (out, role, w) => onlyOwnCopies((out.body as { items: [] }).items, w.device[role]),
	},
	// ── the Phoenix seed's adapter (/compat/phoenix)
	{
		resource: "conversation",
		action: "messages",
		via: "phoenix-rest",
		expect: members(ok()),
		run: (w, a) => rest(`/compat/phoenix/api/messages?conversation_id=${w.chatId}`, a),
	},
	{
		resource: "conversation",
		action: "join its channel",
		via: "phoenix-socket",
		expect: byRole(E2E_ROLES, { owner: ok(), member: ok() }, no(400, "unauthorized")),
		run: (w, a) => phoenix(a, `conversation:${w.chatId}`),
	},
	{
		resource: "owner's user channel",
		action: "join",
		via: "phoenix-socket",
		expect: byRole(E2E_ROLES, { owner: ok() }, no(400, "unauthorized")),
		run: (w, a) => phoenix(a, `user:${w.users.owner.id}`),
	},
	{
		resource: "owner's key (with its private-key blob)",
		action: "key:get",
		via: "phoenix-socket",
		// Public keys are for everyone; the stored private-key blob goes to its owner only.
		expect: byRole(E2E_ROLES, {}, ok()),
		setup: async (w) => {
			const set = await phoenix(w.users.owner, `user:${w.users.owner.id}`, "key:set", {
				public_key: "owner-public-key-material",
				private_key: "owner-wrapped-private-key-blob",
			});
			if (set.status !== 200) throw new Error(`key:set: ${JSON.stringify(set)}`);
			return {};
		},
		run: (w, a) => phoenix(a, `user:${a.id}`, "key:get", { user_id: w.users.owner.id }),
		check: (out, role) => {
			const body = out.body as { public_key: string; private_key?: string };
			if (body.public_key !== "owner-public-key-material")
				throw new Error(`${role}: ${JSON.stringify(body)}`);
			if ((body.private_key !== undefined) !== (role === "owner"))
				throw new Error(`${role} ${body.private_key ? "got" : "missed"} the private-key blob`);
		},
	},
	{
		resource: "conversation",
		action: "keys:get",
		via: "phoenix-socket",
		// Joining the conversation's channel is where a non-member is stopped.
		expect: byRole(E2E_ROLES, { owner: ok(), member: ok() }, no(400, "unauthorized")),
		run: (w, a) => phoenix(a, `conversation:${w.chatId}`, "keys:get", {}),
	},
];

import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { sessionKeyOf } from "../../src/domain/auth/session-key";
import { makeList, makeSound, makeTrunk } from "../campaigns/helpers";
import { openDirect, send } from "../chats/helpers";
import { insertReadyFile } from "../files/fixtures";
import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";
import { sleep } from "../helpers/ws-client";
import { EggClient } from "../protocols/egg/egg-client";
import { sessionOf } from "../protocols/egg/helpers";
import { ROLES, type Role, type World } from "./fixture";
import { byRole, type Cell, no, ok, type TableRow } from "./table";
import { rest } from "./via";

/**
 * The seed adapters' authenticated resources, over the chat world of
 * fixture.ts (owner, member, invitee, removed member, stranger, operator,
 * admin): the Egg seed's file module and chat socket (/compat/egg), the
 * dialer seed's contacts, gateways, sounds, sample call and user creation
 * (/compat/dialer), the Chatable seed's inbox and threads (/compat/chatable)
 * and the Phoenix seed's message history of a chat (/compat/phoenix). Tests: compat-matrix.test.ts.
 */
type Row = TableRow<World, Role>;

const MEMBERS = ["owner", "member"] as const;
const members = (cell: Cell, otherwise: Cell) =>
	byRole(ROLES, Object.fromEntries(MEMBERS.map((r) => [r, cell])), otherwise);
const onlyOwner = (cell: Cell, otherwise: Cell) => byRole(ROLES, { owner: cell }, otherwise);

/** A file of the owner's attached to a message in the chat, and one kept private. */
async function ownerFiles(w: World): Promise<Record<string, string>> {
	const shared = await insertReadyFile(w.users.owner.id);
	await send(w.users.owner, w.chatId, "the plan", { attachments: [shared] });
	return { shared, private: await insertReadyFile(w.users.owner.id) };
}

/** The owner's trunk, sound and contact list. */
async function ownerVoice(w: World): Promise<Record<string, string>> {
	const owner = w.users.owner;
	const trunk = await makeTrunk(owner, { host: "sip.example.com" });
	const sound = await makeSound(owner);
	const list = await makeList(owner, ["+14155550100"]);
	return { trunk: trunk.id, sound: sound.id, list: list.id };
}

const eggFile = async (a: TestUser, id: string) =>
	rest(`/compat/egg/v3/session/${await sessionOf(a)}/file/${id}`, a);

/**
 * One chat request over the Egg chat socket: `s2c_chat_info` (102) is 200;
 * `s2c_error` (104) is its HTTP-like code with the code "S2C_ERROR".
 */
async function eggChatInfo(a: TestUser, chatId: string) {
	const c = await EggClient.connect(await sessionOf(a));
	try {
		const before = c.frames.length;
		c.send({ msg_type: 2, chat_id: chatId });
		const end = Date.now() + 10_000;
		for (;;) {
			const f = c.frames.slice(before).find((x) => x.msg_type === 102 || x.msg_type === 104);
			if (f)
				return f.msg_type === 102
					? { status: 200, body: f }
					: { status: Number(f.code), code: "S2C_ERROR", body: f };
			if (Date.now() > end) throw new Error("no chat_info or error");
			await sleep(10);
		}
	} finally {
		c.close();
	}
}

/** The owner's direct chat with the member, with one message in it. */
async function ownerDirect(w: World): Promise<Record<string, string>> {
	const { chat } = await openDirect(w.users.owner, w.users.member);
	await send(w.users.owner, chat.id, "just between us");
	return { direct: chat.id };
}

/**
 * A Chatable seed request as the seed's client makes it: a JWT it signs with
 * its `secret_access_key`, naming its `access_key_id` (the session) as `kid`.
 */
async function chatable(a: TestUser, path: string) {
	const key = await sessionKeyOf(env.JWT_SECRET, a.sessionId);
	const jwt = await new SignJWT({})
		.setProtectedHeader({ alg: "HS256", kid: a.sessionId })
		.setIssuedAt()
		.setExpirationTime("5m")
		.sign(new TextEncoder().encode(key.slice(a.sessionId.length + 1)));
	const res = await api(`/compat/chatable${path}`, { headers: { Authorization: `Bearer ${jwt}` } });
	const body = (await res.json()) as { data: Record<string, unknown>[] };
	return { status: res.status, body };
}

/** The direct chat's message reaches its two members only. */
const onlyPairSees = ((out, role) => {
	const rows = (out.body as { data: Record<string, unknown>[] }).data;
	const seen = rows.some((r) => r.message === "just between us" || r.latest_message === "just between us");
	if (seen !== (role === "owner" || role === "member"))
		throw new Error(`${role} ${seen ? "sees" : "misses"} the direct message`);
}) satisfies Row["check"];

/** Lists an adapter shows only the caller's own rows. */
const onlyOwnerSees = (key: string, id: (x: Record<string, string>) => string) =>
	((out, role, _w, x) => {
		const rows = (out.body as Record<string, Record<string, string>[]>)[key] ?? [];
		const seen = rows.some((r) => r.id === id(x) || r.list_id === id(x));
		if (seen !== (role === "owner"))
			throw new Error(`${role} ${seen ? "sees" : "misses"} the owner's ${key}`);
	}) satisfies Row["check"];

export const COMPAT_MATRIX: Row[] = [
	// ── Egg seed (/compat/egg)
	{
		resource: "file attached in the chat",
		action: "download",
		via: "egg-rest",
		expect: members(ok(), no(404, "NOT_FOUND")),
		setup: ownerFiles,
		run: (_w, a, x) => eggFile(a, x.shared as string),
	},
	{
		resource: "private file",
		action: "download",
		via: "egg-rest",
		expect: onlyOwner(ok(), no(404, "NOT_FOUND")),
		setup: ownerFiles,
		run: (_w, a, x) => eggFile(a, x.private as string),
	},
	{
		resource: "chat",
		action: "chat_info",
		via: "egg-socket",
		expect: byRole(ROLES, { owner: ok(), member: ok(), invitee: ok() }, no(404, "S2C_ERROR")),
		run: (w, a) => eggChatInfo(a, w.chatId),
	},
	// ── dialer seed (/compat/dialer)
	{
		resource: "contacts (abonents)",
		action: "list",
		via: "dialer-rest",
		expect: byRole(ROLES, {}, ok()),
		setup: ownerVoice,
		run: (_w, a) => rest("/compat/dialer/srv1/abon/all", a),
		check: onlyOwnerSees("abons", (x) => x.list as string),
	},
	{
		resource: "gateways",
		action: "list",
		via: "dialer-rest",
		expect: byRole(ROLES, {}, ok()),
		setup: ownerVoice,
		run: (_w, a) => rest("/compat/dialer/srv1/gateway", a),
		check: onlyOwnerSees("gateways", (x) => x.trunk as string),
	},
	{
		resource: "sounds",
		action: "list",
		via: "dialer-rest",
		expect: byRole(ROLES, {}, ok()),
		setup: ownerVoice,
		run: (_w, a) => rest("/compat/dialer/srv1/sound", a),
		check: onlyOwnerSees("sounds", (x) => x.sound as string),
	},
	{
		resource: "the owner's gateway",
		action: "sample call",
		via: "dialer-rest",
		// The owner's call passes authorisation and reaches the dialer, which worker tests do not run.
		expect: onlyOwner(no(502, "DIALER_UNAVAILABLE"), no(404, "NOT_FOUND")),
		setup: ownerVoice,
		run: (_w, a, x) =>
			rest("/compat/dialer/srv1/call/sample", a, {
				method: "POST",
				json: { number: "+14155550123", sound_id: x.sound, gateway_id: x.trunk },
			}),
	},
	{
		resource: "the owner's sound",
		action: "sample call through one's own gateway",
		via: "dialer-rest",
		expect: onlyOwner(no(502, "DIALER_UNAVAILABLE"), no(404, "NOT_FOUND")),
		setup: ownerVoice,
		run: async (_w, a, x) => {
			const mine = await makeTrunk(a, { host: "sip.example.com" });
			return rest("/compat/dialer/srv1/call/sample", a, {
				method: "POST",
				json: { number: "+14155550123", sound_id: x.sound, gateway_id: mine.id },
			});
		},
	},
	{
		resource: "users",
		action: "add a user",
		via: "dialer-rest",
		expect: byRole(ROLES, { admin: ok(201) }, no(403, "FORBIDDEN")),
		run: (_w, a) =>
			rest("/compat/dialer/srv1/admin/adduser", a, {
				method: "POST",
				json: {
					login: `u${crypto.randomUUID().slice(0, 8)}`,
					password: "correct horse battery",
					name: "New",
				},
			}),
	},
	// ── Chatable seed (/compat/chatable): everything is the caller's own direct chats
	{
		resource: "inbox",
		action: "list",
		via: "chatable-rest",
		expect: byRole(ROLES, {}, ok()),
		setup: ownerDirect,
		run: (_w, a) => chatable(a, "/api/inbox"),
		check: onlyPairSees,
	},
	{
		resource: "thread with the owner",
		action: "read",
		via: "chatable-rest",
		expect: byRole(ROLES, {}, ok()),
		setup: ownerDirect,
		// The member's thread with the owner is their direct chat; everyone else's is empty.
		run: (w, a, _x, role) =>
			chatable(a, `/api/thread/${role === "owner" ? w.users.member.id : w.users.owner.id}`),
		check: onlyPairSees,
	},
	// ── Phoenix seed (/compat/phoenix) on a plain chat
	{
		resource: "chat",
		action: "messages",
		via: "phoenix-rest",
		// As GET /v1/chats/{id}/messages: an invitee is told to accept first.
		expect: { ...members(ok(), no(404, "NOT_FOUND")), invitee: no(403, "FORBIDDEN") },
		run: (w, a) => rest(`/compat/phoenix/api/messages?conversation_id=${w.chatId}`, a),
	},
];

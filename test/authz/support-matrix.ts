import { createTestUser } from "../helpers/users";
import { SeedClient } from "../support/helpers";
import { SUPPORT_ROLES, type SupportRole, type SupportWorld } from "./support-fixture";
import { byRole, type Cell, no, ok, type TableRow } from "./table";
import { rest, socketCall, upgrade } from "./via";

/**
 * The support desk's authorisation matrix: every REST route under
 * /v1/support, every frame of its socket, the seed's JSON-RPC socket
 * (/compat/support/ws), and the support chat as the chat routes see it, for
 * the conversation's customer, another customer, a stranger, the operator who
 * took it, another operator and an admin. Tests: support-matrix.test.ts.
 */
type Row = TableRow<SupportWorld, SupportRole>;

const FORBIDDEN = no(403, "FORBIDDEN");
const OPERATORS = ["assignee", "operator", "admin"] as const;
const everyone = (cell: Cell) => byRole(SUPPORT_ROLES, {}, cell);
const operatorsOnly = (cell: Cell) =>
	byRole(SUPPORT_ROLES, Object.fromEntries(OPERATORS.map((r) => [r, cell])), FORBIDDEN);
/** The assignee may; an admin may too; another operator is told the conversation is not theirs. */
const holder = (cell: Cell) =>
	byRole(SUPPORT_ROLES, { assignee: cell, admin: cell, operator: no(409, "NOT_ASSIGNED") }, FORBIDDEN);
const conv = (w: SupportWorld, rest = "") => `/v1/support/conversations/${w.conversationId}${rest}`;
const desk = (a: Parameters<Row["run"]>[1], frame: Record<string, unknown>) =>
	socketCall(a, frame, "/v1/support/ws");

/** A waiting conversation an admin has closed (for transcripts). */
async function closedConversation(): Promise<Record<string, string>> {
	const [c, admin] = [await createTestUser(), await createTestUser({ role: "admin" })];
	const sent = await rest("/v1/support/messages", c, { method: "POST", json: { text: "bye" } });
	const id = (sent.body as { message: { conversation_id: string } }).message.conversation_id;
	const closed = await rest(`/v1/support/conversations/${id}/close`, admin, { method: "POST" });
	if (closed.status !== 200) throw new Error(`close: ${JSON.stringify(closed)}`);
	return { closed: id };
}

/** A canned reply of the assignee's: private, or shared with every operator. */
const cannedOf = (shared: boolean) => async (w: SupportWorld) => {
	const r = await rest("/v1/support/canned", w.users.assignee, {
		method: "POST",
		json: { title: "Hi", text: "Hello, how can I help?", shared },
	});
	return { canned: String((r.body as { id: number }).id) };
};

export const SUPPORT_MATRIX: Row[] = [
	// ── the customer's side: everyone has their own conversation, never anyone else's
	{
		resource: "own conversation",
		action: "write to support",
		via: "rest",
		expect: everyone(ok(201)),
		run: (_w, a) => rest("/v1/support/messages", a, { method: "POST", json: { text: "hello" } }),
	},
	{
		resource: "own conversation",
		action: "read",
		via: "rest",
		expect: everyone(ok()),
		run: (_w, a) => rest("/v1/support/conversation", a),
		check: (out, role, w) => {
			const seen = (out.body as { conversation_id: string | null }).conversation_id;
			const own = { customer: w.conversationId, otherCustomer: w.otherConversationId }[role as string];
			if (seen !== (own ?? null)) throw new Error(`${role} saw conversation ${seen}`);
		},
	},
	// ── operators' REST
	{
		resource: "queue",
		action: "list",
		via: "rest",
		expect: operatorsOnly(ok()),
		run: (_w, a) => rest("/v1/support/queue", a),
	},
	{
		resource: "conversations",
		action: "list",
		via: "rest",
		expect: operatorsOnly(ok()),
		run: (_w, a) => rest("/v1/support/conversations?status=open", a),
	},
	{
		resource: "conversation",
		action: "read",
		via: "rest",
		expect: operatorsOnly(ok()),
		run: (w, a) => rest(conv(w), a),
	},
	{
		resource: "conversation",
		action: "take (already taken)",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ assignee: ok(), operator: no(409, "ALREADY_TAKEN"), admin: no(409, "ALREADY_TAKEN") },
			FORBIDDEN,
		),
		run: (w, a) => rest(conv(w, "/take"), a, { method: "POST" }),
	},
	{
		resource: "conversation",
		action: "transfer back to the queue",
		via: "rest",
		expect: holder(ok()),
		run: (w, a) => rest(conv(w, "/transfer"), a, { method: "POST", json: { to: null } }),
	},
	{
		resource: "conversation",
		action: "close",
		via: "rest",
		expect: holder(ok()),
		run: (w, a) => rest(conv(w, "/close"), a, { method: "POST" }),
	},
	{
		resource: "conversation",
		action: "reply",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ assignee: ok(201), operator: no(409, "NOT_ASSIGNED"), admin: no(409, "NOT_ASSIGNED") },
			FORBIDDEN,
		),
		run: (w, a) => rest(conv(w, "/messages"), a, { method: "POST", json: { text: "on it" } }),
	},
	{
		resource: "note",
		action: "add",
		via: "rest",
		expect: operatorsOnly(ok(201)),
		run: (w, a) => rest(conv(w, "/notes"), a, { method: "POST", json: { text: "VIP" } }),
	},
	{
		resource: "transcript",
		action: "export",
		via: "rest",
		expect: operatorsOnly(ok()),
		setup: closedConversation,
		run: (_w, a, x) => rest(`/v1/support/conversations/${x.closed}/transcript?format=text`, a),
	},
	{
		resource: "stats",
		action: "read",
		via: "rest",
		expect: operatorsOnly(ok()),
		run: (_w, a) => rest("/v1/support/stats", a),
	},
	{
		resource: "canned replies",
		action: "list",
		via: "rest",
		expect: operatorsOnly(ok()),
		run: (_w, a) => rest("/v1/support/canned", a),
	},
	{
		resource: "canned replies",
		action: "add",
		via: "rest",
		expect: operatorsOnly(ok(201)),
		run: (_w, a) => rest("/v1/support/canned", a, { method: "POST", json: { title: "T", text: "Text" } }),
	},
	{
		resource: "canned reply (the assignee's, private)",
		action: "delete",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ assignee: ok(204), operator: no(404, "NOT_FOUND"), admin: no(404, "NOT_FOUND") },
			FORBIDDEN,
		),
		setup: cannedOf(false),
		run: (_w, a, x) => rest(`/v1/support/canned/${x.canned}`, a, { method: "DELETE" }),
	},
	{
		resource: "canned reply (the assignee's, shared)",
		action: "delete",
		via: "rest",
		expect: byRole(SUPPORT_ROLES, { assignee: ok(204), admin: ok(204) }, FORBIDDEN),
		setup: cannedOf(true),
		run: (_w, a, x) => rest(`/v1/support/canned/${x.canned}`, a, { method: "DELETE" }),
	},
	{
		resource: "settings",
		action: "read",
		via: "rest",
		expect: operatorsOnly(ok()),
		run: (_w, a) => rest("/v1/support/settings", a),
	},
	{
		resource: "settings",
		action: "change",
		via: "rest",
		expect: byRole(SUPPORT_ROLES, { admin: ok() }, FORBIDDEN),
		run: async (w, a) => {
			const now = await rest("/v1/support/settings", w.users.admin);
			return rest("/v1/support/settings", a, { method: "PUT", json: now.body });
		},
	},
	// ── the desk socket (GET /v1/support/ws)
	{
		resource: "desk socket",
		action: "open",
		via: "support-socket",
		expect: everyone(ok()),
		run: async (_w, a) => {
			const ticket = await rest("/v1/ws/ticket", a, { method: "POST" });
			const t = (ticket.body as { ticket: string }).ticket;
			return upgrade(`/v1/support/ws?ticket=${encodeURIComponent(t)}`, { "Sec-WebSocket-Protocol": "json" });
		},
	},
	{
		resource: "own conversation",
		action: "write to support",
		via: "support-socket",
		expect: everyone(ok()),
		run: (_w, a) => desk(a, { type: "support.send", text: "hello" }),
	},
	{
		resource: "own conversation",
		action: "history",
		via: "support-socket",
		expect: everyone(ok()),
		run: (_w, a) => desk(a, { type: "support.history" }),
		check: (out, role, w) => {
			const seen = (out.body as { conversation_id: string | null }).conversation_id;
			const own = { customer: w.conversationId, otherCustomer: w.otherConversationId }[role as string];
			if (seen !== (own ?? null)) throw new Error(`${role} saw conversation ${seen}`);
		},
	},
	{
		resource: "queue",
		action: "list",
		via: "support-socket",
		expect: operatorsOnly(ok()),
		run: (_w, a) => desk(a, { type: "support.queue" }),
	},
	{
		resource: "conversation",
		action: "read",
		via: "support-socket",
		expect: operatorsOnly(ok()),
		run: (w, a) => desk(a, { type: "support.conversation", conversation_id: w.conversationId }),
	},
	{
		resource: "conversation",
		action: "take (already taken)",
		via: "support-socket",
		expect: byRole(
			SUPPORT_ROLES,
			{ assignee: ok(), operator: no(409, "ALREADY_TAKEN"), admin: no(409, "ALREADY_TAKEN") },
			FORBIDDEN,
		),
		run: (w, a) => desk(a, { type: "support.take", conversation_id: w.conversationId }),
	},
	{
		resource: "conversation",
		action: "transfer back to the queue",
		via: "support-socket",
		expect: holder(ok()),
		run: (w, a) => desk(a, { type: "support.transfer", conversation_id: w.conversationId, to: null }),
	},
	{
		resource: "conversation",
		action: "close",
		via: "support-socket",
		expect: holder(ok()),
		run: (w, a) => desk(a, { type: "support.close", conversation_id: w.conversationId }),
	},
	{
		resource: "conversation",
		action: "reply",
		via: "support-socket",
		expect: byRole(
			SUPPORT_ROLES,
			{ assignee: ok(), operator: no(409, "NOT_ASSIGNED"), admin: no(409, "NOT_ASSIGNED") },
			FORBIDDEN,
		),
		run: (w, a) => desk(a, { type: "support.reply", conversation_id: w.conversationId, text: "on it" }),
	},
	{
		resource: "note",
		action: "add",
		via: "support-socket",
		expect: operatorsOnly(ok()),
		run: (w, a) => desk(a, { type: "support.note", conversation_id: w.conversationId, text: "VIP" }),
	},
	// ── the seed's JSON-RPC socket: result 200; error {code, message} as that code and message
	{
		resource: "conversation",
		action: "operatorSend to the customer",
		via: "seed-socket",
		expect: byRole(
			SUPPORT_ROLES,
			{
				assignee: ok(),
				operator: no(3, "Take the conversation before replying"),
				admin: no(3, "Take the conversation before replying"),
			},
			no(2, "Access denied."),
		),
		run: async (w, a) => {
			const seed = await SeedClient.connect();
			try {
				const auth = await seed.call({ method: "message.auth", params: [a.token], id: 1 });
				if (auth.error !== null) throw new Error(`auth: ${JSON.stringify(auth)}`);
				const r = await seed.call({
					method: "message.operatorSend",
					params: ["on it", w.customerNumber],
					id: 2,
				});
				const e = r.error as { code: number; message: string } | null;
				return e ? { status: e.code, code: e.message, body: r } : { status: 200, body: r };
			} finally {
				seed.ws.close();
			}
		},
	},
	// ── the support chat through the chat routes: its members are the desk's to manage
	{
		resource: "support chat",
		action: "read",
		via: "rest",
		expect: byRole(SUPPORT_ROLES, { customer: ok(), assignee: ok() }, no(404, "NOT_FOUND")),
		run: (w, a) => rest(`/v1/chats/${w.conversationId}`, a),
	},
	{
		resource: "support chat",
		action: "invite someone",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: async (w, a) => {
			const newcomer = await createTestUser();
			return rest(`/v1/chats/${w.conversationId}/invitations`, a, {
				method: "POST",
				json: { user: newcomer.id },
			});
		},
	},
	{
		resource: "support chat",
		action: "remove the assignee",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: (w, a) =>
			rest(`/v1/chats/${w.conversationId}/members/${w.users.assignee.id}`, a, { method: "DELETE" }),
	},
	{
		resource: "support chat",
		action: "change the assignee's role",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: (w, a) =>
			rest(`/v1/chats/${w.conversationId}/members/${w.users.assignee.id}`, a, {
				method: "PATCH",
				json: { role: "admin" },
			}),
	},
	{
		resource: "support chat",
		action: "rename",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: (w, a) => rest(`/v1/chats/${w.conversationId}`, a, { method: "PATCH", json: { name: "Mine" } }),
	},
	{
		resource: "support chat",
		action: "leave",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: (w, a) => rest(`/v1/chats/${w.conversationId}/leave`, a, { method: "POST" }),
	},
	{
		resource: "support chat",
		action: "delete",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: (w, a) => rest(`/v1/chats/${w.conversationId}`, a, { method: "DELETE" }),
	},
	{
		resource: "support chat",
		action: "send past the desk",
		via: "rest",
		expect: byRole(
			SUPPORT_ROLES,
			{ customer: no(409, "SUPPORT_CHAT"), assignee: no(409, "SUPPORT_CHAT") },
			no(404, "NOT_FOUND"),
		),
		run: (w, a) =>
			rest(`/v1/chats/${w.conversationId}/messages`, a, {
				method: "POST",
				json: { client_id: crypto.randomUUID(), text: "hi" },
			}),
	},
];

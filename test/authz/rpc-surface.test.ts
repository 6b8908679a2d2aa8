/**
 * The Durable Objects' RPC surface: a stub reaches the methods other code
 * calls and nothing else. The Worker's env (secrets included), the state and
 * every internal part stay out of reach: instance fields are not RPC, and
 * the helpers are #private, so nothing but the RPC methods sits on a class's
 * prototype.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Campaign } from "../../durable-objects/campaign";
import { ChatRoom } from "../../durable-objects/chat-room";
import { RateLimiter } from "../../durable-objects/rate-limiter";
import { SupportDesk } from "../../durable-objects/support-desk";
import { TicketLedger } from "../../durable-objects/ticket-ledger";
import { UserHub } from "../../durable-objects/user-hub";
import { ViewRegistry } from "../../durable-objects/view-registry";

/** What the runtime calls on every class (never an RPC a caller needs, and none hands out state). */
const HANDLERS = ["constructor", "fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError"];

const CLASSES = [
	{
		cls: UserHub,
		ns: () => env.USER_HUB,
		rpc: [
			"devEvict",
			"sessionsRevoked",
			"viewing",
			"pushEvent",
			"callSignal",
			"isOnline",
			"presence",
			"deliver",
			"registerDevice",
			"unregisterDevice",
			"devices",
			"sendPush",
		],
		// The former `bindings` getter, and the parts the helpers get through the hub's context.
		inner: ["bindings", "hub", "store", "revoked", "log", "identity", "send", "redeem", "userId"],
	},
	{
		cls: ChatRoom,
		ns: () => env.CHAT_ROOM,
		rpc: [
			"devEvict",
			"hubWants",
			"openViewers",
			"closeSessions",
			"send",
			"sendE2e",
			"editE2e",
			"groupSeq",
			"edit",
			"remove",
			"message",
			"history",
			"replay",
			"read",
			"receipts",
			"typing",
			"membersChanged",
			"canRead",
			"markAttachmentDeleted",
			"destroy",
		],
		inner: ["room", "store", "membership", "links", "viewers", "outbox", "log", "subscribeViewer"],
	},
	{
		cls: Campaign,
		ns: () => env.CAMPAIGN,
		rpc: ["start", "pause", "resume", "cancel", "getStatus", "listCalls", "onDialerEvents"],
		inner: ["sql", "cfg", "trunk", "dnc", "fleet", "log", "tick", "send", "checkFleet"],
	},
	{
		cls: SupportDesk,
		ns: () => env.SUPPORT_DESK,
		rpc: [
			"customerSend",
			"customerHistory",
			"reply",
			"take",
			"transfer",
			"close",
			"waitingQueue",
			"list",
			"conversation",
			"note",
			"transcript",
			"stats",
			"canned",
			"addCanned",
			"deleteCanned",
			"customerNumber",
			"settings",
			"setSettings",
			"closeSessions",
		],
		inner: ["desk", "log", "greet"],
	},
	{ cls: RateLimiter, ns: () => env.RATE_LIMITER, rpc: ["hit", "reset"], inner: [] },
	{ cls: TicketLedger, ns: () => env.TICKET_LEDGER, rpc: ["spend"], inner: ["sweptAt"] },
	{
		cls: ViewRegistry,
		ns: () => env.VIEW_REGISTRY,
		rpc: ["view", "hubOnline", "isOnline", "views", "revoke", "forget"],
		inner: ["sql", "revoked", "online", "cap"],
	},
] as const;

/** Reads `name` through an RPC stub, as any caller holding the stub could. */
async function readOverRpc(stub: unknown, name: string): Promise<unknown> {
	return await (stub as Record<string, unknown>)[name];
}

describe("Durable Object RPC surface", () => {
	for (const { cls, ns, rpc, inner } of CLASSES) {
		it(`${cls.name}: the prototype holds the RPC methods and the runtime's handlers, no getters`, () => {
			const names = Object.getOwnPropertyNames(cls.prototype);
			expect(names.sort()).toEqual([...rpc, ...HANDLERS.filter((h) => names.includes(h))].sort());
			for (const name of names) {
				const d = Object.getOwnPropertyDescriptor(cls.prototype, name);
				expect(d?.get, `${cls.name}.${name} is a getter`).toBeUndefined();
				expect(typeof d?.value, `${cls.name}.${name}`).toBe("function");
			}
		});

		it(`${cls.name}: a stub cannot read env, ctx or any internal part`, async () => {
			const namespace = ns() as unknown as DurableObjectNamespace;
			const stub = namespace.get(namespace.idFromName(`rpc-surface-${cls.name}`));
			for (const name of ["env", "ctx", ...inner]) {
				await expect(readOverRpc(stub, name), `${cls.name}.${name}`).rejects.toThrow(/does not implement/);
			}
			// The same stub does reach a real RPC method, so the refusals above are about the names.
			expect(typeof (await readOverRpc(stub, rpc[0]))).toBe("function");
		});
	}

	it("an RPC method called through the stub still answers", async () => {
		expect(await env.USER_HUB.get(env.USER_HUB.idFromName("rpc-surface-online")).isOnline()).toBe(false);
	});
});

/**
 * Every socket frame, fuzzed on both sockets (the hub and a chat-viewing
 * socket) and both transports (json, msgpack): frames shaped from the
 * protocol's own schemas (`ClientFrame`, `CallClientFrame`), the same with keys
 * missing or mistyped, unknown types, and bytes that are no frame at all. Every
 * request with an id gets exactly one reply carrying that id, a socket closes
 * only for too many bad frames (1008), the socket keeps answering a marker
 * ping, and a refused message.send stores nothing.
 */
import { CallClientFrame } from "@hatch/contract/call-frames";
import { ClientFrame } from "@hatch/contract/frames";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { activeGroup, createGroup, send } from "../chats/helpers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { type Frame, WsClient } from "../helpers/ws-client";
import { type JsonSchema, shaped } from "./schema-arbitrary";

const FRAMES_PER_SOCKET = 120;
// Frames that would end the fuzz chat or alice's place in it aim at a chat she is not in.
const DESTRUCTIVE = new Set(["chat.leave", "chat.delete", "chat.remove_member", "chat.reject"]);

let alice: TestUser;
let bob: TestUser;
let chat: string;
let strangerChat: string;

type Out = { frame: unknown; id: string | null; raw?: string | Uint8Array };

// What a chat-viewing socket serves; the rest of ClientFrame is the hub's.
const VIEWER_TYPES = [
	"ping",
	"chat.subscribe",
	"chat.typing",
	"message.send",
	"message.edit",
	"message.delete",
	"message.history",
	"message.read",
];

function frameArbitrary(kind: Kind): fc.Arbitrary<Out> {
	const defs = (s: z.ZodType) =>
		z.toJSONSchema(s, { unrepresentable: "any", io: "input" }) as JsonSchema & {
			$defs?: Record<string, JsonSchema>;
		};
	const main = defs(ClientFrame);
	const calls = defs(CallClientFrame);
	const anyFrame = fc.oneof(shaped(main, main.$defs ?? {}), shaped(calls, calls.$defs ?? {}));
	// On a chat-viewing socket, mostly frames it serves (with their own fields), some it does not.
	const viewerFrame = fc.tuple(anyFrame, fc.constantFrom(...VIEWER_TYPES), fc.nat(3)).map(([f, t, keep]) => {
		if (keep === 0) return f;
		const one = (main.anyOf ?? main.oneOf)?.find(
			(s) => (s.properties?.type as JsonSchema | undefined)?.const === t,
		);
		return one ? fc.sample(shaped(one, main.$defs ?? {}), 1)[0] : f;
	});
	const shapedFrame = kind === "hub" ? anyFrame : viewerFrame;
	const chatId = fc.constantFrom(chat, chat, chat, strangerChat, "no-such-chat", "");
	const userRef = fc.constantFrom(bob.id, alice.id, "no-such-user", "");
	const idx = fc.nat();
	return fc.oneof(
		{
			weight: 6,
			arbitrary: fc.tuple(shapedFrame, chatId, userRef, idx).map(([f, c, u, n]) => {
				const o = { ...(f as Record<string, unknown>) };
				const type = String(o.type);
				if ("chat_id" in o) o.chat_id = DESTRUCTIVE.has(type) ? strangerChat : c;
				if ("user" in o) o.user = u;
				if ("user_id" in o) o.user_id = u;
				const id = `f${n}-${Math.random().toString(36).slice(2, 8)}`;
				return { frame: { ...o, id }, id };
			}),
		},
		{
			weight: 2,
			arbitrary: fc.tuple(shapedFrame, fc.string({ maxLength: 12 })).map(([f, junk]) => {
				const o = { ...(f as Record<string, unknown>) };
				const keys = Object.keys(o).filter((k) => k !== "type" && k !== "id");
				const key = keys[junk.length % Math.max(1, keys.length)];
				if (key) o[key] = { junk };
				else o.unexpected = junk;
				const id = `m${junk.length}-${Math.random().toString(36).slice(2, 8)}`;
				return { frame: { ...o, id }, id };
			}),
		},
		{
			weight: 1,
			arbitrary: fc.string({ maxLength: 20 }).map((t) => {
				const id = `u-${Math.random().toString(36).slice(2, 8)}`;
				return { frame: { type: `x.${t}`, id }, id };
			}),
		},
		{
			weight: 1,
			arbitrary: fc
				.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("{", "[]", "null", '{"type":1}', "\u0000"))
				.map((raw) => ({ frame: null, id: null, raw })),
		},
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 30 }).map((raw) => ({ frame: null, id: null, raw })) },
	);
}

beforeAll(async () => {
	alice = await createTestUser({ displayName: "Alice" });
	bob = await createTestUser({ displayName: "Bob" });
	const carol = await createTestUser({ displayName: "Carol" });
	chat = await activeGroup(alice, [bob], "Fuzz");
	await send(alice, chat, "first");
	strangerChat = (await createGroup(carol, "Not yours")).id;
});

type Kind = "hub" | "chat";

async function open(kind: Kind, transport: "json" | "msgpack"): Promise<WsClient> {
	return kind === "hub"
		? WsClient.connect(alice, { transport })
		: WsClient.connectChat(alice, chat, { transport });
}

/** Fuzzes one socket; returns the client_ids of message.send requests answered with a result. */
async function fuzzSocket(kind: Kind, transport: "json" | "msgpack"): Promise<Set<string>> {
	const samples = fc.sample(frameArbitrary(kind), { numRuns: FRAMES_PER_SOCKET, seed: 1308 });
	const accepted = new Set<string>();
	const seen = { results: 0, errors: 0, closes: 0, reasons: new Set<string>() };
	let ws = await open(kind, transport);
	let pending: string[] = [];
	const settle = async (client: WsClient, ids: string[]) => {
		for (const id of ids) {
			const replies = client.frames.filter((f) => (f.type === "result" || f.type === "error") && f.id === id);
			expect(replies.length, `${kind}/${transport}: replies to ${id}`).toBe(1);
			const [r] = replies;
			if (r?.type === "error") {
				expect(typeof r.code).toBe("number");
				expect(r.reason as string).toMatch(/^[A-Z][A-Z0-9_]+$/);
			}
		}
	};
	for (const s of samples) {
		if (ws.closed) {
			expect(ws.closed.code, `${kind}/${transport}: closed ${JSON.stringify(ws.closed)}`).toBe(1008);
			await settle(
				ws,
				pending.filter((id) => ws.frames.some((f) => f.id === id)),
			);
			pending = [];
			seen.closes++;
			ws = await open(kind, transport);
		}
		if (s.raw !== undefined) {
			if (typeof s.raw === "string") ws.sendRaw(s.raw);
			else ws.sendRaw(s.raw.slice().buffer);
			// Garbage carries no id: the next frame's reply is the marker that it was handled.
			continue;
		}
		const f = s.frame as Frame;
		ws.send(f);
		if (s.id) {
			pending.push(s.id);
			const id = s.id;
			await Promise.race([
				ws
					.waitFor((x) => (x.type === "result" || x.type === "error") && x.id === id, 10_000)
					.then((reply) => {
						if (reply.type === "result") seen.results++;
						else {
							seen.errors++;
							seen.reasons.add(String(reply.reason));
						}
						if (reply.type === "result" && f.type === "message.send") accepted.add(String(f.client_id));
					}),
				new Promise<void>((resolve) => {
					const t = setInterval(() => {
						if (ws.closed) {
							clearInterval(t);
							resolve();
						}
					}, 20);
				}),
			]);
		}
	}
	if (!ws.closed) {
		// The marker: a ping answered after everything else.
		const pong = await ws.call({ type: "ping" });
		expect(pong.type).toBe("result");
		await settle(ws, pending);
		ws.close();
	}
	// The fuzz reached both answers and the bad-frame limit.
	expect(seen.results, `${JSON.stringify(seen)} ${[...seen.reasons]}`).toBeGreaterThan(5);
	expect(seen.errors).toBeGreaterThan(5);
	expect(seen.closes).toBeGreaterThan(0);
	console.info(`${kind}/${transport}`, { ...seen, reasons: [...seen.reasons].join(",") });
	return accepted;
}

/** The fuzz chat's messages by seq (it stays under one page: sends are rate limited and few). */
async function history(): Promise<Map<number, { seq: number; client_id: string | null }>> {
	const res = await api(`/v1/chats/${chat}/messages?after_seq=0&page_size=100`, { headers: alice.auth });
	const items = ((await res.json()) as { items: { seq: number; client_id: string | null }[] }).items;
	return new Map(items.map((m) => [m.seq, m]));
}

describe("socket frame fuzzing", () => {
	for (const kind of ["hub", "chat"] as const)
		for (const transport of ["json", "msgpack"] as const)
			it(`${kind} socket, ${transport}: one reply per request, only 1008 closes, nothing stored when refused`, async () => {
				const before = await history();
				const accepted = await fuzzSocket(kind, transport);
				// Every message stored meanwhile is one whose send was answered with a result.
				const added = [...(await history()).values()].filter((m) => !before.has(m.seq));
				for (const m of added)
					expect(accepted.has(m.client_id ?? ""), `stored ${JSON.stringify(m)}`).toBe(true);
			});
});

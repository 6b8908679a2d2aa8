import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { LIMITS } from "@hatch/contract/limits";
import { describe, expect, it } from "vitest";
import { mintWsTicket } from "../../src/domain/auth/ws-ticket";
import { errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { mintTicket, WsClient } from "../helpers/ws-client";

const upgrade = (query: string, headers: Record<string, string> = {}) =>
	exports.default.fetch(
		new Request(`https://hatch.test/v1/ws${query}`, { headers: { Upgrade: "websocket", ...headers } }),
	);

describe("GET /v1/ws handshake", () => {
	it("upgrades with a ticket on json and msgpack and answers ping", async () => {
		const alice = await createTestUser();
		for (const transport of ["json", "msgpack"] as const) {
			const ws = await WsClient.connect(alice, { transport });
			const hello = ws.frames[0];
			expect(hello).toMatchObject({ type: "hello", user_id: alice.id, protocol: transport });
			const r = await ws.request<{ pong: number }>({ type: "ping" });
			expect(r.pong).toBeGreaterThan(0);
			ws.close();
		}
	});

	it("answers the chosen transport in Sec-WebSocket-Protocol", async () => {
		const alice = await createTestUser();
		const res = await upgrade(`?ticket=${await mintTicket(alice)}`, {
			"Sec-WebSocket-Protocol": "xml, msgpack",
		});
		expect(res.status).toBe(101);
		expect(res.headers.get("Sec-WebSocket-Protocol")).toBe("msgpack");
		res.webSocket?.accept();
		res.webSocket?.close();
	});

	it("refuses an unsupported transport with 501 before the upgrade", async () => {
		const alice = await createTestUser();
		const ticket = await mintTicket(alice);
		const res = await upgrade(`?ticket=${ticket}`, { "Sec-WebSocket-Protocol": "xml" });
		expect(res.status).toBe(501);
		expect(await errorCode(res)).toBe("UNSUPPORTED_TRANSPORT");
		const none = await upgrade(`?ticket=${ticket}`);
		expect(none.status).toBe(501);
	});

	it("tickets are single use, required and unforgeable", async () => {
		const alice = await createTestUser();
		const ticket = await mintTicket(alice);
		const first = await upgrade(`?ticket=${ticket}`, { "Sec-WebSocket-Protocol": "json" });
		expect(first.status).toBe(101);
		first.webSocket?.accept();
		first.webSocket?.close();
		const again = await upgrade(`?ticket=${ticket}`, { "Sec-WebSocket-Protocol": "json" });
		expect(again.status).toBe(401);
		expect(await errorCode(again)).toBe("INVALID_TICKET");
		const forged = await upgrade(`?ticket=${alice.id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`, {
			"Sec-WebSocket-Protocol": "json",
		});
		expect(forged.status).toBe(401);
		const missing = await upgrade("", { "Sec-WebSocket-Protocol": "json" });
		expect(missing.status).toBe(400);
		// A ticket of one user cannot open another user's hub.
		const bob = await createTestUser();
		const stolen = (await mintTicket(alice)).replace(alice.id, bob.id);
		expect((await upgrade(`?ticket=${stolen}`, { "Sec-WebSocket-Protocol": "json" })).status).toBe(401);
	});

	it("a ticket opens one socket wherever it is presented, and not after it expires", async () => {
		const alice = await createTestUser();
		const group = await exports.default.fetch(
			new Request("https://hatch.test/v1/chats", {
				method: "POST",
				headers: { ...alice.auth, "Content-Type": "application/json" },
				body: JSON.stringify({ name: "One use", members: [] }),
			}),
		);
		const chatId = ((await group.json()) as { id: string }).id;
		const ticket = await mintTicket(alice);
		const chat = await exports.default.fetch(
			new Request(`https://hatch.test/v1/chats/${chatId}/ws?ticket=${encodeURIComponent(ticket)}`, {
				headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "json" },
			}),
		);
		expect(chat.status).toBe(101);
		chat.webSocket?.accept();
		chat.webSocket?.close();
		// Spent on the chat's socket, it no longer opens the hub socket.
		const hub = await upgrade(`?ticket=${encodeURIComponent(ticket)}`, { "Sec-WebSocket-Protocol": "json" });
		expect(hub.status).toBe(401);
		expect(await errorCode(hub)).toBe("INVALID_TICKET");
		// Signed a minute and a second ago: expired, though never spent.
		const old = await mintWsTicket(
			env.JWT_SECRET,
			alice.id,
			alice.sessionId,
			LIMITS.TICKET_TTL_MS,
			Date.now() - LIMITS.TICKET_TTL_MS - 1000,
		);
		expect((await upgrade(`?ticket=${old.ticket}`, { "Sec-WebSocket-Protocol": "json" })).status).toBe(401);
		// Another session's id put in a genuine ticket breaks its signature.
		const fresh = await mintTicket(alice);
		const other = `${alice.sessionId.slice(0, -1)}${alice.sessionId.endsWith("0") ? "1" : "0"}`;
		const moved = fresh.replace(alice.sessionId, other);
		expect(moved).not.toBe(fresh);
		expect((await upgrade(`?ticket=${moved}`, { "Sec-WebSocket-Protocol": "json" })).status).toBe(401);
	});

	it("minting a ticket needs an access token", async () => {
		const res = await exports.default.fetch(
			new Request("https://hatch.test/v1/ws/ticket", { method: "POST" }),
		);
		expect(res.status).toBe(401);
	});

	it("checks Origin against ALLOWED_ORIGINS; no Origin (non-browser) is allowed", async () => {
		const alice = await createTestUser();
		const bad = await upgrade(`?ticket=${await mintTicket(alice)}`, {
			"Sec-WebSocket-Protocol": "json",
			Origin: "https://evil.example",
		});
		expect(bad.status).toBe(403);
		expect(await errorCode(bad)).toBe("ORIGIN_NOT_ALLOWED");
		const ws = await WsClient.connect(alice, { origin: env.ALLOWED_ORIGINS.split(",")[0] });
		ws.close();
	});

	it("a plain GET is told to upgrade", async () => {
		const res = await exports.default.fetch(new Request("https://hatch.test/v1/ws?ticket=whatever-ticket"));
		expect(res.status).toBe(426);
	});

	it("hands call.* frames to the calls module, which validates them (test/calls covers the rest)", async () => {
		const alice = await createTestUser();
		const ws = await WsClient.connect(alice);
		const reply = await ws.call({ type: "call.offer", sdp: "v=0" });
		expect(reply).toMatchObject({ type: "error", code: 400, reason: "VALIDATION_FAILED" });
		expect(String(reply.message)).toMatch(/callee|sdp/);
		ws.close();
	});
});

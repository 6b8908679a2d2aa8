/**
 * @hatch/client in Node against the real Worker (wrangler dev): sign-in
 * flows and token refresh, and sockets that lose their connection
 * mid-stream without losing or doubling a message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerStack } from "../../test/e2e/stack.ts";
import { Api, HatchError, type Message } from "../src/index.ts";
import { client, emailUser, phoneUser, until } from "./accounts.ts";

let worker: WorkerStack;

beforeAll(async () => {
	worker = await startWorker({
		dialerUrl: "http://127.0.0.1:9",
		port: Number(process.env.SDK_TEST_PORT ?? 8880),
		inspectorPort: Number(process.env.SDK_TEST_INSPECTOR_PORT ?? 8881),
	});
}, 180_000);

afterAll(async () => {
	await worker?.stop();
});

describe("auth", () => {
	it("signs in by email and by phone code, refreshes before expiry and on a 401, and logs out", async () => {
		const mail = await emailUser(worker.url);
		const phone = await phoneUser(worker.url);
		expect((await phone.hatch.api.json<{ id: string }>("GET", "/v1/me")).id).toBe(phone.id);

		// Email login gives a second session.
		await mail.hatch.auth.loginWithEmail(mail.email, mail.password);
		const session = mail.hatch.auth.session;
		if (!session) throw new Error("no session");

		// About to expire: refreshed before the request, and the refresh token rotates.
		const stale = new Api({ baseUrl: worker.url, tokens: { ...session, expires_at: Date.now() + 1000 } });
		expect((await stale.json<{ id: string }>("GET", "/v1/me")).id).toBe(mail.id);
		expect(stale.session?.refresh_token).not.toBe(session.refresh_token);

		// A token the server refuses: one refresh, then the request again.
		const rotated = stale.session;
		if (!rotated) throw new Error("no rotated session");
		const refused = new Api({ baseUrl: worker.url, tokens: { ...rotated, access_token: "not-a-token" } });
		expect((await refused.json<{ id: string }>("GET", "/v1/me")).id).toBe(mail.id);

		// Logout ends the session on the server: its access token stops working at once.
		const access = refused.session?.access_token;
		const res = await fetch(`${worker.url}/v1/auth/logout`, {
			method: "POST",
			headers: { Authorization: `Bearer ${access}` },
		});
		expect(res.status).toBeLessThan(300);
		const after = await fetch(`${worker.url}/v1/me`, { headers: { Authorization: `Bearer ${access}` } });
		expect(after.status).toBe(401);

		await phone.hatch.logout();
		expect(phone.hatch.auth.session).toBeNull();
		await expect(phone.hatch.api.json("GET", "/v1/me")).rejects.toMatchObject({ code: "SIGNED_OUT" });
	});

	it("rejects with the API's code", async () => {
		const { hatch } = await emailUser(worker.url);
		const err = await hatch.auth.loginWithEmail("nobody@example.com", "wrong-password-1").catch((e) => e);
		expect(err).toBeInstanceOf(HatchError);
		expect(err.code).toBe("INVALID_CREDENTIALS");
		expect(err.status).toBe(401);
	});
});

describe("sockets across drops", () => {
	it("hub (msgpack) and chat-viewing (json) sockets on two devices: nothing lost or doubled, sends retried once each", async () => {
		const ann = await phoneUser(worker.url, "msgpack");
		const bob = await emailUser(worker.url, "msgpack");
		// Bob's second device (its own session): a hub only sends a chat's events to the
		// devices that do not view it on the room's socket.
		const bobPhone = client(worker.url, "json");
		await bobPhone.auth.loginWithEmail(bob.email, bob.password);
		await ann.hatch.hub.connect();
		const chat = await ann.hatch.hub.request<{ chat: { id: string } }>({ type: "chat.direct", user: bob.id });
		const chatId = chat.chat.id;

		// Bob: the hub follows the chat; a second device views it on the room's socket.
		const hubSeen: number[] = [];
		bob.hatch.hub.on("message.new", (e) => {
			if (e.chat_id === chatId) hubSeen.push(e.seq);
		});
		await bob.hatch.hub.connect();
		await bob.hatch.hub.follow(chatId, 0);
		const viewer = await bobPhone.viewChat(chatId, 0);
		const viewSeen: number[] = [];
		viewer.on("message.new", (e) => viewSeen.push(e.seq));

		// Ann sends 30 messages from her hub; every socket is dropped twice mid-stream.
		const N = 30;
		const sends: Promise<{ message: Message; duplicate?: boolean }>[] = [];
		for (let i = 1; i <= N; i++) {
			sends.push(ann.hatch.hub.sendMessage(chatId, `m${i}`, { client_id: `c${i}` }));
			if (i === 8 || i === 20) ann.hatch.hub.drop();
			if (i === 12 || i === 25) bob.hatch.hub.drop();
			if (i === 5 || i === 17) viewer.drop();
			await new Promise((r) => setTimeout(r, 15));
		}
		const sent = await Promise.all(sends);
		const seqs = sent.map((s) => s.message.seq).sort((a, b) => a - b);
		expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));

		const all = Array.from({ length: N }, (_, i) => i + 1);
		await until(
			() => hubSeen.length >= N && viewSeen.length >= N,
			30_000,
			"both of Bob's sockets to hold 30 messages",
		);
		// A marker after the last message: once it arrives, anything doubled would have too.
		await ann.hatch.hub.sendMessage(chatId, "marker");
		await until(() => hubSeen.includes(N + 1) && viewSeen.includes(N + 1), 15_000, "the marker");
		expect(hubSeen).toEqual([...all, N + 1]);
		expect(viewSeen).toEqual([...all, N + 1]);

		// The server holds each client_id once.
		const history = await bob.hatch.api.json<{ items: Message[] }>(
			"GET",
			`/v1/chats/${chatId}/messages?after_seq=0&page_size=100`,
		);
		expect(history.items.map((m) => m.text)).toEqual([...all.map((i) => `m${i}`), "marker"]);

		viewer.close();
		ann.hatch.hub.close();
		bob.hatch.hub.close();
	});

	it("a request answered with an error rejects only its own promise", async () => {
		const ann = await emailUser(worker.url);
		await ann.hatch.hub.connect();
		const bad = ann.hatch.hub.request({ type: "chat.info", chat_id: "no-such-chat" });
		const ok = ann.hatch.hub.request<{ chats: unknown[] }>({ type: "chat.list" });
		await expect(bad).rejects.toMatchObject({ status: 404 });
		expect(Array.isArray((await ok).chats)).toBe(true);
		ann.hatch.hub.close();
	});
});

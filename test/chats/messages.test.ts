import { LIMITS } from "@hatch/contract/limits";
import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { activeGroup, type Msg, openDirect, send } from "./helpers";

type Page = { items: Msg[]; page_token: string | null };

describe("messages over REST", () => {
	it("sends with per-chat seq 1, 2, 3 and is idempotent on client_id", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const { chat } = await openDirect(a, b);
		const path = `/v1/chats/${chat.id}/messages`;
		const first = await api(path, {
			method: "POST",
			headers: a.auth,
			json: { client_id: "c-1", text: "hello" },
		});
		expect(first.status).toBe(201);
		const m1 = (await first.json()) as { message: Msg; duplicate: boolean };
		expect(m1.message).toMatchObject({ seq: 1, text: "hello", sender_id: a.id, deleted: false });
		const retry = await api(path, {
			method: "POST",
			headers: a.auth,
			json: { client_id: "c-1", text: "hello (retry)" },
		});
		expect(retry.status).toBe(200);
		expect(await retry.json()).toEqual({ message: m1.message, duplicate: true });
		// Same client id from another sender is a different message.
		const m2 = await send(b, chat.id, "hi", { client_id: "c-1" });
		expect(m2.seq).toBe(2);
		expect((await send(a, chat.id, "three")).seq).toBe(3);
		const retries = await Promise.all(
			[1, 2, 3].map(() =>
				api(path, { method: "POST", headers: a.auth, json: { client_id: "same", text: "x" } }),
			),
		);
		const seqs = await Promise.all(
			retries.map(async (r) => ((await r.json()) as { message: Msg }).message.seq),
		);
		expect(new Set(seqs).size).toBe(1);
	});

	it("replies must point at an existing message; text has a documented limit", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const { chat } = await openDirect(a, b);
		const m = await send(a, chat.id, "question");
		const reply = await send(b, chat.id, "answer", { reply_to: m.seq });
		expect(reply).toMatchObject({ reply_to: m.seq });
		const path = `/v1/chats/${chat.id}/messages`;
		const dangling = await api(path, {
			method: "POST",
			headers: a.auth,
			json: { client_id: "r", text: "x", reply_to: 99 },
		});
		expect(await errorCode(dangling)).toBe("REPLY_NOT_FOUND");
		for (const json of [
			{ client_id: "t", text: "x".repeat(LIMITS.TEXT_MAX + 1) },
			{ client_id: "t", text: "   " },
			{ text: "no client id" },
			{ client_id: "t", text: "x", attachments: Array.from({ length: 11 }, (_, i) => `f${i}`) },
			{ client_id: "t", text: "x", reply_to: -1 },
		]) {
			const res = await api(path, { method: "POST", headers: a.auth, json });
			expect(res.status, JSON.stringify(json).slice(0, 60)).toBe(400);
		}
		const page = (await (await api(path, { headers: a.auth })).json()) as Page;
		expect(page.items).toHaveLength(2);
		expect((await send(a, chat.id, "x".repeat(LIMITS.TEXT_MAX))).text).toHaveLength(LIMITS.TEXT_MAX);
	});

	it("rejects attachments that are not the sender's files", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const { chat } = await openDirect(a, b);
		const res = await api(`/v1/chats/${chat.id}/messages`, {
			method: "POST",
			headers: a.auth,
			json: { client_id: "att", text: "see file", attachments: ["01a2-no-such-file"] },
		});
		expect(res.status).toBe(404);
		expect(await errorCode(res)).toBe("FILE_NOT_FOUND");
		const page = (await (await api(`/v1/chats/${chat.id}/messages`, { headers: a.auth })).json()) as Page;
		expect(page.items).toHaveLength(0);
	});

	it("edits keep history; only the sender edits; deletes leave a tombstone", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const { chat } = await openDirect(a, b);
		const m = await send(a, chat.id, "helo");
		const path = `/v1/chats/${chat.id}/messages/${m.seq}`;
		const edited = await api(path, { method: "PATCH", headers: a.auth, json: { text: "hello" } });
		expect(((await edited.json()) as { message: Msg }).message).toMatchObject({
			text: "hello",
			edited_at: expect.any(Number),
		});
		await api(path, { method: "PATCH", headers: a.auth, json: { text: "hello!" } });
		const one = (await (await api(path, { headers: a.auth })).json()) as {
			message: Msg;
			edits: { text: string }[];
			receipts: unknown[];
		};
		expect(one.message.text).toBe("hello!");
		expect(one.edits.map((e) => e.text)).toEqual(["helo", "hello"]);
		expect(one.receipts).toEqual([{ user_id: b.id, status: "pending" }]);
		const byB = await api(path, { method: "PATCH", headers: b.auth, json: { text: "hacked" } });
		expect(byB.status).toBe(403);
		const delByB = await api(path, { method: "DELETE", headers: b.auth });
		expect(delByB.status).toBe(403);
		const del = await api(path, { method: "DELETE", headers: a.auth });
		expect(((await del.json()) as { message: Msg }).message).toMatchObject({
			seq: m.seq,
			deleted: true,
			text: "",
		});
		const after = (await (await api(path, { headers: b.auth })).json()) as { message: Msg; edits: unknown[] };
		expect(after).toMatchObject({ message: { deleted: true, text: "" }, edits: [] });
		const editDeleted = await api(path, { method: "PATCH", headers: a.auth, json: { text: "back" } });
		expect(editDeleted.status).toBe(404);
		expect((await send(a, chat.id, "next")).seq).toBe(m.seq + 1);
		const missing = await api(`/v1/chats/${chat.id}/messages/999`, {
			method: "PATCH",
			headers: a.auth,
			json: { text: "x" },
		});
		expect(await errorCode(missing)).toBe("MESSAGE_NOT_FOUND");
	});

	it("a group admin may delete others' messages", async () => {
		const owner = await createTestUser();
		const bob = await createTestUser();
		const chatId = await activeGroup(owner, [bob]);
		const m = await send(bob, chatId, "spam");
		const res = await api(`/v1/chats/${chatId}/messages/${m.seq}`, { method: "DELETE", headers: owner.auth });
		expect(res.status).toBe(200);
	});

	it("pages history newest first by page_token and oldest first after a seq", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const { chat } = await openDirect(a, b);
		for (let i = 1; i <= 25; i++) await send(i % 2 ? a : b, chat.id, `m${i}`);
		const path = `/v1/chats/${chat.id}/messages`;
		const seen: number[] = [];
		let token: string | null = null;
		let pages = 0;
		do {
			const q: string = token ? `?page_size=10&page_token=${token}` : "?page_size=10";
			const page = (await (await api(path + q, { headers: b.auth })).json()) as Page;
			seen.push(...page.items.map((m) => m.seq));
			token = page.page_token;
			pages++;
		} while (token && pages < 10);
		expect(pages).toBe(3);
		expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
		const after = (await (await api(`${path}?after_seq=20`, { headers: b.auth })).json()) as Page;
		expect(after.items.map((m) => m.text)).toEqual(["m21", "m22", "m23", "m24", "m25"]);
		expect(after.page_token).toBeNull();
		// Oldest first after a seq: the token continues in the same direction, to the end.
		const forward: number[] = [];
		let next: string | null = null;
		for (let i = 0; i < 10; i++) {
			const q: string = next ? `?page_size=10&page_token=${next}` : "?page_size=10&after_seq=3";
			const page = (await (await api(path + q, { headers: b.auth })).json()) as Page;
			forward.push(...page.items.map((m) => m.seq));
			next = page.page_token;
			if (!next) break;
		}
		expect(forward).toEqual(Array.from({ length: 22 }, (_, i) => i + 4));
		const bad = await api(`${path}?page_token=garbage`, { headers: b.auth });
		expect(await errorCode(bad)).toBe("INVALID_PAGE_TOKEN");
		expect((await api(`${path}?page_size=0`, { headers: b.auth })).status).toBe(400);
		expect((await api(`${path}?page_size=201`, { headers: b.auth })).status).toBe(400);
	});

	it("read markers move receipts to read; the unread count follows", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const { chat } = await openDirect(a, b);
		const m1 = await send(a, chat.id, "one");
		const m2 = await send(a, chat.id, "two");
		const read = await api(`/v1/chats/${chat.id}/read`, {
			method: "POST",
			headers: b.auth,
			json: { seq: m1.seq },
		});
		expect(((await read.json()) as { receipt: unknown }).receipt).toEqual({
			user_id: b.id,
			delivered_seq: m1.seq,
			read_seq: m1.seq,
		});
		const status = async (seq: number) =>
			(
				(await (await api(`/v1/chats/${chat.id}/messages/${seq}`, { headers: a.auth })).json()) as {
					receipts: { status: string }[];
				}
			).receipts[0]?.status;
		expect(await status(m1.seq)).toBe("read");
		expect(await status(m2.seq)).toBe("pending");
		// A marker past the end is clamped, never ahead of the log.
		const far = await api(`/v1/chats/${chat.id}/read`, {
			method: "POST",
			headers: b.auth,
			json: { seq: 1000 },
		});
		expect(((await far.json()) as { receipt: { read_seq: number } }).receipt.read_seq).toBe(m2.seq);
		const rs = (await (await api(`/v1/chats/${chat.id}/receipts`, { headers: a.auth })).json()) as {
			receipts: { user_id: string; read_seq: number }[];
		};
		expect(rs.receipts.find((r) => r.user_id === b.id)?.read_seq).toBe(m2.seq);
		const bad = await api(`/v1/chats/${chat.id}/read`, {
			method: "POST",
			headers: b.auth,
			json: { seq: "x" },
		});
		expect(bad.status).toBe(400);
	});

	it("a non-member cannot read, send, edit, delete, mark or type — and learns nothing", async () => {
		const a = await createTestUser();
		const b = await createTestUser();
		const eve = await createTestUser();
		const { chat } = await openDirect(a, b);
		const m = await send(a, chat.id, "private");
		const base = `/v1/chats/${chat.id}`;
		for (const [method, path, json] of [
			["GET", `${base}/messages`, undefined],
			["GET", `${base}/messages?after_seq=0`, undefined],
			["GET", `${base}/messages/${m.seq}`, undefined],
			["POST", `${base}/messages`, { client_id: "e", text: "hi" }],
			["PATCH", `${base}/messages/${m.seq}`, { text: "pwned" }],
			["DELETE", `${base}/messages/${m.seq}`, undefined],
			["POST", `${base}/read`, { seq: 1 }],
			["POST", `${base}/typing`, undefined],
			["GET", `${base}/receipts`, undefined],
		] as const) {
			const res = await api(path, { method, headers: eve.auth, json });
			expect(res.status, `${method} ${path}`).toBe(404);
			expect(JSON.stringify(await res.json())).not.toContain("private");
		}
		const still = (await (await api(`${base}/messages`, { headers: a.auth })).json()) as Page;
		expect(still.items.map((x) => x.text)).toEqual(["private"]);
		expect((await api(`${base}/messages`, {})).status).toBe(401);
	});
});

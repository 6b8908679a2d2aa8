import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { act, ask, customer, operator, supportSocket, until } from "./helpers";

type Conv = {
	id: string;
	status: string;
	customer: { id: string; name: string };
	assignee: { id: string; name: string } | null;
	last_message: { text: string; from_support: boolean } | null;
	wait_ms: number;
	unread: number;
};

async function queue(op: { auth: Record<string, string> }) {
	const res = await api("/v1/support/queue", { headers: op.auth });
	expect(res.status).toBe(200);
	return ((await res.json()) as { items: Conv[] }).items;
}

describe("support desk, native", () => {
	it("a customer's first message opens a conversation that operators see live, oldest first", async () => {
		const op = await operator();
		const watcher = await supportSocket(op);
		expect((await watcher.waitFor((f) => f.type === "support.queue")).conversations).toBeInstanceOf(Array);
		const first = await customer("Ann First");
		const second = await customer("Ben Second");
		const m1 = await ask(first, "My order is late");
		await ask(first, "Order 42");
		const m2 = await ask(second, "Cannot log in");
		const live = await watcher.waitFor(
			(f) => f.type === "support.conversation" && (f.conversation as Conv).id === m2.conversation_id,
		);
		expect((live.conversation as Conv).customer.name).toBe("Ben Second");
		const q = await queue(op);
		const mine = q.filter((c) => c.id === m1.conversation_id || c.id === m2.conversation_id);
		expect(mine.map((c) => c.id)).toEqual([m1.conversation_id, m2.conversation_id]);
		expect(mine[0]).toMatchObject({
			status: "waiting",
			customer: { name: "Ann First" },
			last_message: { text: "Order 42", from_support: false },
			unread: 2,
		});
		expect(mine[0]?.wait_ms).toBeGreaterThanOrEqual(0);
		watcher.close();
	});

	it("two operators racing to take one conversation: exactly one wins, the other gets 409 ALREADY_TAKEN", async () => {
		const c = await customer();
		const [a, b] = [await operator("Op A"), await operator("Op B")];
		const { conversation_id: id } = await ask(c, "help");
		const results = await Promise.all([act(a, id, "take"), act(b, id, "take")]);
		const statuses = results.map((r) => r.status).sort();
		expect(statuses).toEqual([200, 409]);
		const loser = results.find((r) => r.status === 409) as Response;
		expect(await errorCode(loser)).toBe("ALREADY_TAKEN");
		// And over the sockets, a third race on another conversation.
		const { conversation_id: id2 } = await ask(await customer(), "help too");
		const [sa, sb] = [await supportSocket(a), await supportSocket(b)];
		const replies = await Promise.all([
			sa.call({ type: "support.take", conversation_id: id2 }),
			sb.call({ type: "support.take", conversation_id: id2 }),
		]);
		expect(replies.map((r) => r.type).sort()).toEqual(["error", "result"]);
		expect(replies.find((r) => r.type === "error")).toMatchObject({ code: 409, reason: "ALREADY_TAKEN" });
		sa.close();
		sb.close();
	});

	it("replies reach the customer live with is_from_support and the operator's name; history on reconnect", async () => {
		const c = await customer();
		const op = await operator("Olga");
		const { conversation_id: id } = await ask(c, "hello?");
		const cs = await supportSocket(c);
		const hist = await cs.waitFor((f) => f.type === "support.history");
		expect(hist).toMatchObject({
			conversation_id: id,
			messages: [{ text: "hello?", is_from_support: false, sender_name: "" }],
		});
		expect((await act(op, id, "take")).status).toBe(200);
		const os = await supportSocket(op);
		const sent = await os.request<{ message: { seq: number } }>({
			type: "support.reply",
			conversation_id: id,
			text: "Hi, Olga here",
		});
		expect(sent.message.seq).toBe(2);
		const live = await cs.waitFor((f) => f.type === "support.message");
		expect(live.message).toMatchObject({
			text: "Hi, Olga here",
			is_from_support: true,
			sender_name: "Olga",
			sender_id: null,
		});
		const fromCustomer = await cs.request<{ message: { seq: number } }>({
			type: "support.send",
			text: "thanks",
		});
		expect(fromCustomer.message.seq).toBe(3);
		await os.waitFor(
			(f) => f.type === "support.message" && (f.message as { text: string }).text === "thanks",
		);
		cs.close();
		const again = await supportSocket(c);
		const h2 = await again.waitFor((f) => f.type === "support.history");
		expect((h2.messages as { text: string }[]).map((m) => m.text)).toEqual([
			"hello?",
			"Hi, Olga here",
			"thanks",
		]);
		// The conversation is a Hatch chat too: the customer reads it as one.
		const chat = await api(`/v1/chats/${id}/messages`, { headers: c.auth });
		expect(chat.status).toBe(200);
		const list = (await (await api("/v1/chats", { headers: c.auth })).json()) as {
			chats: { id: string; kind: string }[];
		};
		expect(list.chats.find((x) => x.id === id)?.kind).toBe("support");
		// ...but writes to it go through the desk, so none can miss the queue.
		const bypass = await api(`/v1/chats/${id}/messages`, {
			method: "POST",
			headers: c.auth,
			json: { client_id: "bypass-1", text: "sneaky" },
		});
		expect(bypass.status).toBe(409);
		expect(await errorCode(bypass)).toBe("SUPPORT_CHAT");
		again.close();
		os.close();
	});

	it("transfer to another operator, back to the queue, close, and reopen on the customer's message", async () => {
		const c = await customer();
		const [a, b] = [await operator("A"), await operator("B")];
		const { conversation_id: id } = await ask(c, "question");
		await act(a, id, "take");
		const moved = await act(a, id, "transfer", { to: b.id });
		expect(moved.status).toBe(200);
		expect(((await moved.json()) as { conversation: Conv }).conversation.assignee?.id).toBe(b.id);
		const aReply = await api(`/v1/support/conversations/${id}/messages`, {
			method: "POST",
			headers: a.auth,
			json: { text: "me again" },
		});
		expect(aReply.status).toBe(409);
		expect(await errorCode(aReply)).toBe("NOT_ASSIGNED");
		const bReply = await api(`/v1/support/conversations/${id}/messages`, {
			method: "POST",
			headers: b.auth,
			json: { text: "B answering" },
		});
		expect(bReply.status).toBe(201);
		const toCustomer = await act(b, id, "transfer", { to: c.id });
		expect(await errorCode(toCustomer)).toBe("NOT_AN_OPERATOR");
		const back = await act(b, id, "transfer", { to: null });
		expect(((await back.json()) as { conversation: Conv }).conversation).toMatchObject({
			status: "waiting",
			assignee: null,
		});
		expect((await queue(a)).some((q) => q.id === id)).toBe(true);
		await act(a, id, "take");
		const closed = await act(a, id, "close");
		expect(((await closed.json()) as { conversation: Conv }).conversation.status).toBe("closed");
		expect((await queue(a)).some((q) => q.id === id)).toBe(false);
		expect(await errorCode(await act(b, id, "take"))).toBe("CONVERSATION_CLOSED");
		const again = await ask(c, "one more thing");
		expect(again.conversation_id).toBe(id);
		const q = (await queue(a)).find((x) => x.id === id);
		expect(q).toMatchObject({ status: "waiting", unread: 1, last_message: { text: "one more thing" } });
	});

	it("a customer can do none of the operator actions, over REST or the socket", async () => {
		const c = await customer();
		const { conversation_id: id } = await ask(c, "let me in");
		const h = { headers: c.auth };
		const rest = [
			await api("/v1/support/queue", h),
			await api("/v1/support/conversations", h),
			await api(`/v1/support/conversations/${id}`, h),
			await act(c, id, "take"),
			await act(c, id, "close"),
			await act(c, id, "transfer", { to: null }),
			await api(`/v1/support/conversations/${id}/messages`, { method: "POST", ...h, json: { text: "x" } }),
			await api("/v1/support/settings", h),
			await api("/v1/support/settings", {
				method: "PUT",
				...h,
				json: { operator_identity: "team", team_name: "X", show_operator_id: true },
			}),
		];
		for (const r of rest) {
			expect(r.status).toBe(403);
			expect(await errorCode(r)).toBe("FORBIDDEN");
		}
		const s = await supportSocket(c);
		for (const frame of [
			{ type: "support.queue" },
			{ type: "support.conversation", conversation_id: id },
			{ type: "support.take", conversation_id: id },
			{ type: "support.reply", conversation_id: id, text: "x" },
			{ type: "support.transfer", conversation_id: id, to: null },
			{ type: "support.close", conversation_id: id },
		]) {
			expect(await s.call(frame)).toMatchObject({ type: "error", code: 403, reason: "FORBIDDEN" });
		}
		s.close();
		// Nothing changed: still waiting, unassigned.
		const op = await operator();
		expect((await queue(op)).find((q) => q.id === id)).toMatchObject({ status: "waiting", assignee: null });
	});

	it("another customer cannot read or write the conversation", async () => {
		const c = await customer();
		const other = await customer("Mallory");
		const { conversation_id: id } = await ask(c, "private");
		expect((await api(`/v1/chats/${id}/messages`, { headers: other.auth })).status).toBe(404);
		expect((await api(`/v1/support/conversations/${id}`, { headers: other.auth })).status).toBe(403);
		const res = await api(`/v1/chats/${id}/messages`, {
			method: "POST",
			headers: other.auth,
			json: { client_id: "x1", text: "hi" },
		});
		expect(res.status).toBe(404);
		const mine = await api("/v1/support/conversation", { headers: other.auth });
		expect(await mine.json()).toEqual({ conversation_id: null, messages: [] });
	});

	it("bad frames get one error each with their id, and change nothing", async () => {
		const c = await customer();
		const s = await supportSocket(c);
		s.sendRaw("{not json");
		expect(await s.waitFor((f) => f.type === "error" && f.reason === "UNDECODABLE")).toMatchObject({
			code: 400,
		});
		expect(await s.call({ type: "support.nope" })).toMatchObject({
			type: "error",
			code: 404,
			reason: "UNKNOWN_TYPE",
		});
		expect(await s.call({ type: "support.send", text: "" })).toMatchObject({
			code: 400,
			reason: "VALIDATION_FAILED",
		});
		expect(await s.call({ type: "support.send", text: 5 })).toMatchObject({
			code: 400,
			reason: "VALIDATION_FAILED",
		});
		expect(await (await api("/v1/support/conversation", { headers: c.auth })).json()).toEqual({
			conversation_id: null,
			messages: [],
		});
		// The fifth bad frame in a minute closes the socket, as on the hub.
		s.sendRaw("[]");
		await until(() => s.closed !== null);
		expect(s.closed?.code).toBe(1008);
	});

	it("settings: admins choose what customers see of operators", async () => {
		const admin = await createTestUser({ role: "admin" });
		const put = await api("/v1/support/settings", {
			method: "PUT",
			headers: admin.auth,
			json: { operator_identity: "team", team_name: "Acme Care", show_operator_id: true },
		});
		expect(put.status).toBe(200);
		const c = await customer();
		const op = await operator("Secret Name");
		const { conversation_id: id } = await ask(c, "hi");
		await act(op, id, "take");
		await api(`/v1/support/conversations/${id}/messages`, {
			method: "POST",
			headers: op.auth,
			json: { text: "yo" },
		});
		const h = (await (await api("/v1/support/conversation", { headers: c.auth })).json()) as {
			messages: { sender_name: string; sender_id: string | null }[];
		};
		expect(h.messages[1]).toMatchObject({ sender_name: "Acme Care", sender_id: op.id });
		const bad = await api("/v1/support/settings", {
			method: "PUT",
			headers: admin.auth,
			json: { team_name: "" },
		});
		expect(bad.status).toBe(400);
		await api("/v1/support/settings", {
			method: "PUT",
			headers: admin.auth,
			json: { operator_identity: "display_name", team_name: "Support", show_operator_id: false },
		});
	});
});

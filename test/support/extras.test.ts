import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { act, ask, customer, operator, supportSocket } from "./helpers";

const reply = (op: { auth: Record<string, string> }, id: string, text: string) =>
	api(`/v1/support/conversations/${id}/messages`, { method: "POST", headers: op.auth, json: { text } });

describe("support desk extras", () => {
	it("internal notes reach operators live and never the customer", async () => {
		const c = await customer("Nina");
		const op = await operator("Otto");
		const { conversation_id: id } = await ask(c, "hi");
		const watcher = await supportSocket(await operator("Watcher"));
		const res = await api(`/v1/support/conversations/${id}/notes`, {
			method: "POST",
			headers: op.auth,
			json: { text: "VIP, be nice" },
		});
		expect(res.status).toBe(201);
		const live = await watcher.waitFor((f) => f.type === "support.note");
		expect(live).toMatchObject({
			conversation_id: id,
			note: { text: "VIP, be nice", author: { name: "Otto" } },
		});
		const detail = (await (await api(`/v1/support/conversations/${id}`, { headers: op.auth })).json()) as {
			notes: { text: string }[];
		};
		expect(detail.notes.map((n) => n.text)).toEqual(["VIP, be nice"]);
		const mine = await (await api("/v1/support/conversation", { headers: c.auth })).text();
		expect(mine).not.toContain("VIP");
		const chat = await (await api(`/v1/chats/${id}/messages`, { headers: c.auth })).text();
		expect(chat).not.toContain("VIP");
		const byCustomer = await api(`/v1/support/conversations/${id}/notes`, {
			method: "POST",
			headers: c.auth,
			json: { text: "x" },
		});
		expect(byCustomer.status).toBe(403);
		watcher.close();
	});

	it("a closed conversation's transcript, as JSON and as text; an open one is refused", async () => {
		const c = await customer("Tess");
		const op = await operator("Oscar");
		const { conversation_id: id } = await ask(c, "where is my parcel");
		await act(op, id, "take");
		await reply(op, id, "on its way");
		const open = await api(`/v1/support/conversations/${id}/transcript`, { headers: op.auth });
		expect(open.status).toBe(409);
		expect(await errorCode(open)).toBe("CONVERSATION_OPEN");
		await act(op, id, "close");
		const json = await api(`/v1/support/conversations/${id}/transcript`, { headers: op.auth });
		expect(json.status).toBe(200);
		const t = (await json.json()) as { messages: { text: string; is_from_support: boolean }[] };
		expect(t.messages.map((m) => [m.text, m.is_from_support])).toEqual([
			["where is my parcel", false],
			["on its way", true],
		]);
		const text = await api(`/v1/support/conversations/${id}/transcript?format=text`, { headers: op.auth });
		expect(text.headers.get("Content-Type")).toContain("text/plain");
		expect(text.headers.get("Content-Disposition")).toContain(`support-${id}.txt`);
		const body = await text.text();
		expect(body).toContain("Customer: Tess");
		expect(body).toMatch(/\] Tess: where is my parcel\n/);
		expect(body).toMatch(/\] Oscar \(support\): on its way\n/);
		expect((await api(`/v1/support/conversations/${id}/transcript`, { headers: c.auth })).status).toBe(403);
	});

	it("per-operator figures: open, answered today, median first response", async () => {
		const op = await operator("Stats Sue");
		const [c1, c2] = [await customer(), await customer()];
		const a = (await ask(c1, "one")).conversation_id;
		const b = (await ask(c2, "two")).conversation_id;
		await act(op, a, "take");
		await act(op, b, "take");
		await reply(op, a, "answer a");
		await reply(op, a, "again a");
		await reply(op, b, "answer b");
		await act(op, b, "close");
		const res = await api("/v1/support/stats", { headers: op.auth });
		const items = (
			(await res.json()) as {
				items: {
					operator: { id: string };
					open: number;
					answered_today: number;
					median_first_response_ms: number | null;
				}[];
			}
		).items;
		const sue = items.find((i) => i.operator.id === op.id);
		expect(sue).toMatchObject({ open: 1, answered_today: 2 });
		expect(sue?.median_first_response_ms).toEqual(expect.any(Number));
		expect(sue?.median_first_response_ms).toBeGreaterThanOrEqual(0);
	});

	it("canned replies: your own and shared ones; others cannot delete them", async () => {
		const [a, b] = [await operator("Canned A"), await operator("Canned B")];
		const add = async (op: typeof a, json: unknown) => {
			const res = await api("/v1/support/canned", { method: "POST", headers: op.auth, json });
			expect(res.status).toBe(201);
			return (await res.json()) as { id: number };
		};
		const own = await add(a, { title: "Hello", text: "Hello, how can I help?" });
		const shared = await add(a, { title: "Bye", text: "Have a nice day", shared: true });
		const seenByB = (await (await api("/v1/support/canned", { headers: b.auth })).json()) as {
			items: { id: number }[];
		};
		expect(seenByB.items.map((i) => i.id)).toContain(shared.id);
		expect(seenByB.items.map((i) => i.id)).not.toContain(own.id);
		expect((await api(`/v1/support/canned/${own.id}`, { method: "DELETE", headers: b.auth })).status).toBe(
			404,
		);
		expect((await api(`/v1/support/canned/${shared.id}`, { method: "DELETE", headers: b.auth })).status).toBe(
			403,
		);
		const bad = await api("/v1/support/canned", {
			method: "POST",
			headers: a.auth,
			json: { title: "", text: "x" },
		});
		expect(bad.status).toBe(400);
		expect((await api(`/v1/support/canned/${own.id}`, { method: "DELETE", headers: a.auth })).status).toBe(
			204,
		);
		const c = await customer();
		expect((await api("/v1/support/canned", { headers: c.auth })).status).toBe(403);
	});
});

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { engineCounts, recount } from "../../src/domain/campaigns/engine-store";
import { setOutboundFetchForTests } from "../../src/domain/campaigns/outbound";
import { verifyWebhook } from "../../src/domain/campaigns/signature";
import { setDialerForTests } from "../../src/domain/dialer";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { callEvents, campaignDO, FakeDialer, makeCampaign, pumpUntil, sendEvents } from "./helpers";

type Hook = { type: string; body: string; signature: string };
let dialer: FakeDialer;
let hooks: Hook[];
let hookStatus: number;

beforeEach(() => {
	dialer = new FakeDialer();
	setDialerForTests(dialer);
	hooks = [];
	hookStatus = 200;
	setOutboundFetchForTests(async (req) => {
		const body = await req.text();
		hooks.push({
			type: req.headers.get("Hatch-Event-Type") ?? "",
			body,
			signature: req.headers.get("Hatch-Signature") ?? "",
		});
		return new Response("ok", { status: hookStatus });
	});
});
afterEach(() => {
	setDialerForTests(null);
	setOutboundFetchForTests(null);
});

async function status(user: TestUser, id: string) {
	const res = await api(`/v1/campaigns/${id}`, { headers: user.auth });
	expect(res.status).toBe(200);
	return (await res.json()) as {
		status: string;
		counts: Record<string, number>;
		webhooks: Record<string, number> | null;
	};
}

/** The live counts kept by triggers equal a recount of the tables. */
async function expectLiveCountsExact(id: string) {
	await runInDurableObject(campaignDO(id), (_i, state) => {
		const live = engineCounts(state.storage.sql);
		expect(live).toEqual({ ...live, ...recount(state.storage.sql) });
		expect(Object.values(live).every((n) => n >= 0)).toBe(true);
	});
}

const A = "+14155550101"; // answers
const B = "+14155550102"; // busy, then answers on the retry
const C = "+14155550103"; // never answers
const D = "+14155550104"; // fails

describe("Campaign engine", () => {
	it("dials within max_concurrent, applies outcomes once, retries busy, finishes with CDRs, CSV and signed webhooks", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, [A, B, C, D], {
			webhook_url: "https://hooks.example.com/hatch",
			retry: { busy: { delay_s: 0, max_attempts: 2 }, no_answer: { delay_s: 3600, max_attempts: 1 } },
		});
		expect(c.webhook_secret).toMatch(/^whsec_/);
		const start = await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		expect(start.status).toBe(200);
		await pumpUntil(c.id, () => dialer.calls.length >= 2);
		expect(dialer.distinct()).toHaveLength(2); // max_concurrent
		const first = dialer.calls[0];
		expect(first?.call_id).toMatch(new RegExp(`^${c.id}:\\d+:1$`));
		expect(first?.trunk.password).toBe("s3cret-pass");
		expect(first?.callback_url).toBe("https://hatch.test/v1/dialer/events");
		expect(first?.audio).toEqual({
			url: expect.stringMatching(/^https:\/\/hatch\.test\/v1\/dialer\/sounds\//),
		});

		const outcomeFor: Record<string, "completed" | "busy" | "no_answer" | "failed"> = {
			[A]: "completed",
			[B]: "busy",
			[C]: "no_answer",
			[D]: "failed",
		};
		const answered = new Set<string>();
		// Answer every call the dialer got, sending each batch twice (at-least-once delivery).
		for (let round = 0; round < 10 && answered.size < 5; round++) {
			for (const call of dialer.calls) {
				if (answered.has(call.call_id)) continue;
				answered.add(call.call_id);
				const retry = call.call_id.endsWith(":2");
				const evs = callEvents(call.call_id, retry ? "completed" : (outcomeFor[call.to] ?? "failed"));
				const r1 = await sendEvents(evs);
				expect(r1.status).toBe(200);
				const r2 = await sendEvents(evs);
				expect(await r2.json()).toEqual({ accepted: 0, duplicates: evs.length });
			}
			await pumpUntil(
				c.id,
				async () =>
					dialer.distinct().length > answered.size || (await status(user, c.id)).status === "completed",
				10,
			).catch(() => {});
		}
		await pumpUntil(c.id, async () => (await status(user, c.id)).status === "completed");
		const s = await status(user, c.id);
		expect(s.counts).toMatchObject({
			total: 4,
			done: 4,
			completed: 2,
			no_answer: 1,
			failed: 1,
			busy: 0,
			attempts: 5,
			answered: 2,
			in_flight: 0,
		});
		await expectLiveCountsExact(c.id);
		// Nobody was dialed twice for the same attempt; B got exactly one retry.
		expect(dialer.distinct()).toHaveLength(5);
		expect(dialer.calls.filter((x) => x.to === B).map((x) => x.call_id.split(":")[2])).toEqual(["1", "2"]);

		const cdrs = await (await api(`/v1/campaigns/${c.id}/calls?page_size=2`, { headers: user.auth })).json<{
			items: Record<string, unknown>[];
			page_token: string;
		}>();
		expect(cdrs.items).toHaveLength(2);
		expect(cdrs.page_token).toEqual(expect.any(String));
		const rest = await (
			await api(
				`/v1/campaigns/${c.id}/calls?page_size=100&page_token=${encodeURIComponent(cdrs.page_token)}`,
				{
					headers: user.auth,
				},
			)
		).json<{ items: Record<string, unknown>[]; page_token: string | null }>();
		expect(cdrs.items.length + rest.items.length).toBe(5);
		expect(rest.page_token).toBeNull();
		const seen = [...cdrs.items, ...rest.items].map((r) => `${r.call_id}`);
		expect(new Set(seen).size).toBe(5);
		const badToken = await api(`/v1/campaigns/${c.id}/calls?page_token=bm9wZQ`, { headers: user.auth });
		expect(await errorCode(badToken)).toBe("VALIDATION_FAILED");
		const busy = await (await api(`/v1/campaigns/${c.id}/calls?outcome=busy`, { headers: user.auth })).json<{
			items: Record<string, unknown>[];
		}>();
		expect(busy.items).toEqual([
			expect.objectContaining({
				number: B,
				attempt: 1,
				outcome: "busy",
				sip_code: 486,
				reason: "Busy Here",
				billed_s: 0,
			}),
		]);
		const done = await (
			await api(`/v1/campaigns/${c.id}/calls?number=${encodeURIComponent(A)}`, { headers: user.auth })
		).json<{ items: Record<string, unknown>[] }>();
		expect(done.items[0]).toMatchObject({
			outcome: "completed",
			billed_s: 3,
			talk_ms: 3000,
			answered_at: expect.any(String),
			ended_at: expect.any(String),
		});

		const csv = await api(`/v1/campaigns/${c.id}/calls.csv`, { headers: user.auth });
		expect(csv.headers.get("Content-Type")).toMatch(/^text\/csv/);
		const lines = (await csv.text()).trim().split("\r\n");
		expect(lines[0]).toMatch(/^call_id,number,attempt,outcome/);
		expect(lines).toHaveLength(6);

		// Webhooks: started, one per finished attempt, completed; all signed with the campaign secret.
		await pumpUntil(c.id, () => hooks.filter((h) => h.type === "campaign.completed").length === 1);
		expect(hooks.filter((h) => h.type === "call.completed")).toHaveLength(5);
		expect(hooks.filter((h) => h.type === "campaign.started")).toHaveLength(1);
		for (const h of hooks)
			expect(await verifyWebhook(c.webhook_secret ?? "", h.body, h.signature)).toBe(true);
		expect(await verifyWebhook(c.webhook_secret ?? "", `${hooks[0]?.body} `, hooks[0]?.signature ?? "")).toBe(
			false,
		);
	});

	it("survives eviction: a call whose placement answer was lost is resent with the same id, never a second attempt", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, [A], { max_concurrent: 1 });
		// The dialer places the call but the Worker never hears back (network cut).
		dialer.answer = (req) => {
			dialer.placed.add(req.call_id);
			return { ok: false, code: "TRANSIENT", status: 0, message: "connection reset" };
		};
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => dialer.calls.length >= 1);
		await evictDurableObject(campaignDO(c.id));
		dialer.answer = () => ({ ok: true, state: "trying" });
		// Make the backed-off resend due now.
		await runInDurableObject(campaignDO(c.id), (_i, state) => {
			state.storage.sql.exec("UPDATE calls SET send_at = 0");
		});
		await pumpUntil(c.id, () => dialer.calls.length >= 2);
		expect(dialer.calls.map((x) => x.call_id)).toEqual([
			`${dialer.calls[0]?.call_id}`,
			`${dialer.calls[0]?.call_id}`,
		]);
		const callId = dialer.calls[0]?.call_id ?? "";
		await sendEvents(callEvents(callId, "completed").slice(0, 2));
		await evictDurableObject(campaignDO(c.id));
		// After eviction the already-applied events are still recognised as duplicates.
		const again = await sendEvents(callEvents(callId, "completed"));
		expect(await again.json()).toEqual({ accepted: 2, duplicates: 2 });
		await pumpUntil(c.id, async () => (await status(user, c.id)).status === "completed");
		expect((await status(user, c.id)).counts).toMatchObject({ completed: 1, attempts: 1 });
		expect(dialer.distinct()).toHaveLength(1);
	});

	it("pauses, resumes and cancels: no dialing while paused, live calls hung up on cancel", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, [A, B, C], { max_concurrent: 1 });
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => dialer.calls.length >= 1);
		expect(
			(
				await (
					await api(`/v1/campaigns/${c.id}/pause`, { method: "POST", headers: user.auth })
				).json<{ status: string }>()
			).status,
		).toBe("paused");
		await sendEvents(callEvents(dialer.calls[0]?.call_id ?? "", "completed"));
		await runDurableObjectAlarm(campaignDO(c.id));
		expect(dialer.calls).toHaveLength(1);
		const bad = await api(`/v1/campaigns/${c.id}/pause`, { method: "POST", headers: user.auth });
		expect(bad.status).toBe(409);
		await api(`/v1/campaigns/${c.id}/resume`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => dialer.calls.length >= 2);
		const cancel = await api(`/v1/campaigns/${c.id}/cancel`, { method: "POST", headers: user.auth });
		expect((await cancel.json<{ status: string }>()).status).toBe("canceled");
		expect(dialer.canceled).toEqual([dialer.calls[1]?.call_id]);
		await sendEvents([
			{ call_id: dialer.calls[1]?.call_id, seq: 1, type: "canceled", at: new Date().toISOString() },
		]);
		const s = await status(user, c.id);
		expect(s.status).toBe("canceled");
		expect(s.counts).toMatchObject({ completed: 1, canceled: 2, pending: 0, in_flight: 0 });
		await expectLiveCountsExact(c.id);
		expect((await api(`/v1/campaigns/${c.id}/resume`, { method: "POST", headers: user.auth })).status).toBe(
			409,
		);
	});

	it("honours the calling window: nothing is dialed outside it and the alarm waits for the opening", async () => {
		const user = await createTestUser();
		const now = new Date();
		const utcDay = ((now.getUTCDay() + 6) % 7) + 1;
		const other = (utcDay % 7) + 1; // tomorrow only
		const c = await makeCampaign(user, [A], {
			window: { time_zone: "UTC", days: [other], start: "00:00", end: "23:59" },
		});
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
		// The start alarm fires by itself, finds the window closed and re-arms for the opening.
		let alarm: number | null = null;
		for (let i = 0; i < 50 && alarm !== midnight; i++) {
			await new Promise((r) => setTimeout(r, 20));
			alarm = await runInDurableObject(campaignDO(c.id), (_i, state) => state.storage.getAlarm());
		}
		expect(alarm).toBe(midnight);
		expect(dialer.calls).toHaveLength(0);
		expect((await status(user, c.id)).status).toBe("waiting_for_window"); // still running, shown as waiting
	});

	it("re-checks do-not-call just before dialing", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, [A, B]);
		const dnc = await api("/v1/do-not-call", { method: "POST", headers: user.auth, json: { numbers: [B] } });
		expect(dnc.status).toBe(200);
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => dialer.calls.length >= 1);
		await runDurableObjectAlarm(campaignDO(c.id));
		expect(dialer.calls.map((x) => x.to)).toEqual([A]);
		expect((await status(user, c.id)).counts).toMatchObject({ do_not_call: 1 });
	});

	it("retries webhook deliveries with backoff until the receiver answers 2xx", async () => {
		const user = await createTestUser();
		hookStatus = 500;
		const c = await makeCampaign(user, [A], { webhook_url: "https://hooks.example.com/x" });
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => hooks.length >= 1);
		const outbox = () =>
			runInDurableObject(campaignDO(c.id), (_i, state) =>
				state.storage.sql
					.exec<{ attempts: number; delivered_at: number | null; next_at: number }>(
						"SELECT * FROM outbox WHERE id = 1",
					)
					.one(),
			);
		const failed = await outbox();
		expect(failed.delivered_at).toBeNull();
		expect(failed.next_at).toBeGreaterThan(Date.now() + 3000); // backed off
		hookStatus = 200;
		await runInDurableObject(campaignDO(c.id), (_i, state) => {
			state.storage.sql.exec("UPDATE outbox SET next_at = 0 WHERE delivered_at IS NULL");
		});
		await pumpUntil(c.id, async () => (await outbox()).delivered_at !== null);
		expect((await outbox()).attempts).toBe(2);
		expect(hooks.filter((h) => h.type === "campaign.started").length).toBe(2);
	});

	it("a second alarm while a webhook delivery awaits its receiver does not send the same event again", async () => {
		const user = await createTestUser();
		let release: () => void = () => {};
		const gate = new Promise<void>((r) => {
			release = r;
		});
		setOutboundFetchForTests(async (req) => {
			hooks.push({ type: req.headers.get("Hatch-Event-Type") ?? "", body: await req.text(), signature: "" });
			await gate;
			return new Response("ok", { status: 200 });
		});
		const c = await makeCampaign(user, [A], { webhook_url: "https://hooks.example.com/x" });
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		const armAndRun = async () => {
			await runInDurableObject(campaignDO(c.id), async (_i, state) => {
				if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now());
			});
			return runDurableObjectAlarm(campaignDO(c.id));
		};
		const first = armAndRun();
		for (let i = 0; i < 200 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
		expect(hooks.map((h) => h.type)).toEqual(["campaign.started"]); // the first run is waiting on the receiver
		const second = armAndRun();
		// The second alarm has run its tick up to the webhooks (a marker: the DO answers a later call).
		await runInDurableObject(campaignDO(c.id), () => undefined);
		release();
		await Promise.all([first, second]);
		expect(hooks.filter((h) => h.type === "campaign.started")).toHaveLength(1);
	});

	it("rejects dialer callbacks without the dialer's token", async () => {
		const user = await createTestUser();
		const evs = { call_id: "x:1:1", seq: 1, type: "trying", at: new Date().toISOString() };
		expect((await api("/v1/dialer/events", { method: "POST", json: evs })).status).toBe(401);
		expect((await api("/v1/dialer/events", { method: "POST", headers: user.auth, json: evs })).status).toBe(
			401,
		);
		const bad = await sendEvents({ call_id: "x", seq: 0, type: "nope" });
		expect(bad.status).toBe(400);
	});
});

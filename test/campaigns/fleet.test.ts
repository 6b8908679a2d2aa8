import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { Campaign } from "../../durable-objects/campaign";
import { setDialerForTests } from "../../src/domain/dialer";
import { FLEET } from "../../src/domain/dialer/fleet";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { callEvents, campaignDO, FakeDialer, makeCampaign, pumpUntil, sendEvents } from "./helpers";

/** A campaign over two dialers: spread by room, pinned per call, a dead one's calls resolved. */
afterEach(() => setDialerForTests(null));

type Cdr = {
	call_id: string;
	number: string;
	attempt: number;
	state: string;
	outcome: string | null;
	reason: string | null;
};

describe("Campaign over a dialer fleet", () => {
	it("spreads calls, and when one dialer dies its calls end as failed with a reason and retries go to the other, once per attempt", async () => {
		const a = new FakeDialer();
		const b = new FakeDialer();
		setDialerForTests({ a, b });
		const user = await createTestUser();
		const numbers = ["+14155550201", "+14155550202", "+14155550203", "+14155550204"];
		const c = await makeCampaign(user, numbers, {
			max_concurrent: 4,
			retry: { failed: { delay_s: 0, max_attempts: 2 } },
		});
		expect((await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth })).status).toBe(
			200,
		);
		await pumpUntil(c.id, () => a.placed.size + b.placed.size >= 4);
		expect(a.placed.size).toBe(2);
		expect(b.placed.size).toBe(2);

		// b dies: no health answers, no calls. a finishes its calls.
		b.health = async () => {
			throw new Error("connection refused");
		};
		b.answer = () => ({ ok: false, code: "TRANSIENT", status: 0, message: "connection refused" });
		for (const id of a.placed) await sendEvents(callEvents(id, "completed"));
		// b has not answered for longer than the bound (the clock is moved, not waited for).
		await runInDurableObject(campaignDO(c.id), async (instance) => {
			const fleet = await Campaign.checkFleetNow(instance, Date.now());
			for (const v of fleet) if (v.name === "b") v.failingSince = Date.now() - FLEET.DEAD_AFTER_MS - 1;
		});
		await runDurableObjectAlarm(campaignDO(c.id));
		await pumpUntil(c.id, () => a.placed.size >= 4);
		for (const id of [...a.placed].slice(2)) await sendEvents(callEvents(id, "completed"));
		await pumpUntil(c.id, async () => {
			const s = await (await api(`/v1/campaigns/${c.id}`, { headers: user.auth })).json<{ status: string }>();
			return s.status === "completed";
		});

		const cdrs = (
			await (
				await api(`/v1/campaigns/${c.id}/calls?page_size=50`, { headers: user.auth })
			).json<{ items: Cdr[] }>()
		).items;
		// b's two calls failed with the reason; their second attempts went to a.
		const bCalls = cdrs.filter((x) => b.placed.has(x.call_id));
		expect(bCalls.map((x) => [x.outcome, x.reason?.startsWith("dialer b stopped answering")])).toEqual([
			["failed", true],
			["failed", true],
		]);
		for (const x of bCalls)
			expect(a.distinct().some((id) => id.endsWith(`:${x.call_id.split(":")[1]}:2`))).toBe(true);
		// b answers again (it was only unreachable): its copies of the failed calls are hung up.
		b.health = async () => ({ ok: true, active_calls: 0, capacity: 100 });
		await runInDurableObject(campaignDO(c.id), (instance) => Campaign.checkFleetNow(instance, Date.now()));
		expect([...b.canceled].sort()).toEqual([...b.placed].sort());
		// Never one attempt on two dialers, never one dialed twice; one terminal outcome per attempt.
		expect(a.distinct().filter((id) => b.distinct().includes(id))).toEqual([]);
		expect(new Set(cdrs.map((x) => x.call_id)).size).toBe(cdrs.length);
		for (const n of numbers) {
			const mine = cdrs.filter((x) => x.number === n);
			expect(mine.every((x) => ["completed", "failed"].includes(x.outcome ?? ""))).toBe(true);
			expect(mine.filter((x) => x.outcome === "completed")).toHaveLength(1);
		}
	});

	it("sends a call a full dialer refused (503) to another dialer, the same attempt, and never back to the full one", async () => {
		const a = new FakeDialer();
		const b = new FakeDialer();
		setDialerForTests({ a, b });
		// b looks emptier, so it gets the first call, but refuses it for room.
		a.health = async () => ({ ok: true, active_calls: 50, capacity: 100 });
		b.answer = () => ({ ok: false, code: "AT_CAPACITY", status: 503, message: "full" });
		const user = await createTestUser();
		const c = await makeCampaign(user, ["+14155550301"], { max_concurrent: 1 });
		expect((await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth })).status).toBe(
			200,
		);
		await pumpUntil(c.id, () => a.placed.size === 1, 60);
		expect(b.calls.map((x) => x.call_id)).toEqual([...a.placed]);
		expect(b.placed.size).toBe(0);
	});
});

/**
 * Issue 19's smaller defects seen on real calls, on the Worker's side: a
 * CDR's times are the dialer's own (a fast failure no longer starts after it
 * ended), calls.csv has the created_at the README lists, and a campaign
 * started outside its calling window says so and when it opens.
 */
import { describe, expect, it } from "vitest";
import { windowStatus } from "../../src/domain/campaigns/window";
import { api } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { makeCampaign, pumpUntil, sendEvents, useFakeDialer } from "./helpers";

const dialer = useFakeDialer();

type Cdr = {
	call_id: string;
	created_at: string;
	started_at: string;
	ended_at: string;
	ring_ms: number | null;
};

describe("call records", () => {
	it("start at the dialer's INVITE (its trying), not when POST /calls returned: a fast 404 ends after it starts", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, ["+14155550101"]);
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		await pumpUntil(c.id, () => dialer().calls.length >= 1);
		const callId = dialer().calls[0]?.call_id ?? "";
		// The dialer's clock: INVITE out 5 s ago, the 404 back 21 ms later (before POST /calls returned here).
		const invite = Date.now() - 5000;
		const at = (ms: number) => new Date(ms).toISOString();
		const res = await sendEvents([
			{ call_id: callId, seq: 1, type: "trying", at: at(invite) },
			{ call_id: callId, seq: 2, type: "failed", at: at(invite + 21), sip_code: 404, reason: "Not Found" },
		]);
		expect(res.status).toBe(200);
		const page = await (await api(`/v1/campaigns/${c.id}/calls`, { headers: user.auth })).json<{
			items: Cdr[];
		}>();
		const cdr = page.items.find((r) => r.call_id === callId);
		expect(cdr).toMatchObject({ started_at: at(invite), ended_at: at(invite + 21), ring_ms: null });
		expect(Date.parse(cdr?.started_at ?? "")).toBeLessThanOrEqual(Date.parse(cdr?.ended_at ?? ""));

		const csv = await (await api(`/v1/campaigns/${c.id}/calls.csv`, { headers: user.auth })).text();
		const [header, row] = csv.split("\r\n");
		const columns = header?.split(",") ?? [];
		expect(columns).toContain("created_at");
		expect(row?.split(",")[columns.indexOf("created_at")]).toBe(cdr?.created_at);
	});
});

describe("calling window", () => {
	/** Tomorrow's ISO weekday (1 = Monday … 7 = Sunday) in UTC: a window on that day alone is shut today. */
	const tomorrow = () => ((((new Date().getUTCDay() + 6) % 7) + 1) % 7) + 1;

	it("a campaign started outside its window shows waiting_for_window and when it opens; nothing is dialed", async () => {
		const user = await createTestUser();
		const day = tomorrow();
		const c = await makeCampaign(user, ["+14155550101"], {
			window: { time_zone: "UTC", days: [day], start: "09:00", end: "17:00" },
		});
		const start = await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		expect(start.status).toBe(200);
		const view = await (await api(`/v1/campaigns/${c.id}`, { headers: user.auth })).json<{
			status: string;
			window_opens_at: string;
		}>();
		expect(view.status).toBe("waiting_for_window");
		const opens = new Date(view.window_opens_at);
		expect([opens.getUTCHours(), opens.getUTCMinutes()]).toEqual([9, 0]);
		expect(((opens.getUTCDay() + 6) % 7) + 1).toBe(day);
		expect(opens.getTime() - Date.now()).toBeLessThan(48 * 3600_000);
		const list = await (await api("/v1/campaigns", { headers: user.auth })).json<{
			items: { id: string; status: string; window_opens_at: string | null }[];
		}>();
		expect(list.items.find((i) => i.id === c.id)).toMatchObject({
			status: "waiting_for_window",
			window_opens_at: view.window_opens_at,
		});
		expect(dialer().calls).toHaveLength(0);
		// A stranger learns nothing of it.
		const mallory = await createTestUser();
		expect((await api(`/v1/campaigns/${c.id}`, { headers: mallory.auth })).status).toBe(404);
	});

	it("a campaign without a window, or inside it, shows running with window_opens_at null", async () => {
		const user = await createTestUser();
		const c = await makeCampaign(user, ["+14155550101"]);
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: user.auth });
		const view = await (await api(`/v1/campaigns/${c.id}`, { headers: user.auth })).json<object>();
		expect(view).toMatchObject({ status: "running", window_opens_at: null });
		// The rule itself, at fixed times: Monday 2026-01-05 10:00 UTC is inside, 18:00 outside.
		const w = { time_zone: "UTC", days: [1], start: "09:00", end: "17:00" };
		expect(windowStatus("running", w, Date.parse("2026-01-05T10:00:00Z"))).toEqual({
			status: "running",
			window_opens_at: null,
		});
		expect(windowStatus("running", w, Date.parse("2026-01-05T18:00:00Z"))).toEqual({
			status: "waiting_for_window",
			window_opens_at: "2026-01-12T09:00:00.000Z",
		});
		expect(windowStatus("paused", w, Date.parse("2026-01-05T18:00:00Z")).status).toBe("paused");
	});
});

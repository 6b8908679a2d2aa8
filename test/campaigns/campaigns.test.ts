import { describe, expect, it } from "vitest";
import { isOpen, nextOpen } from "../../src/domain/campaigns/window";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { makeList, makeSound, makeTrunk, useFakeDialer } from "./helpers";

useFakeDialer();

async function parts(u: TestUser) {
	const [trunk, sound, list] = [await makeTrunk(u), await makeSound(u), await makeList(u, ["+14155550100"])];
	return { trunk_id: trunk.id, sound_id: sound.id, list_id: list.id };
}

const create = (u: TestUser, json: Record<string, unknown>) =>
	api("/v1/campaigns", { method: "POST", headers: u.auth, json: { name: "C", ...json } });

describe("Campaigns", () => {
	it("creates a draft with defaults, edits it, and freezes it once started", async () => {
		const u = await createTestUser();
		const p = await parts(u);
		const res = await create(u, {
			...p,
			window: { time_zone: "Europe/Moscow", days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00" },
		});
		expect(res.status).toBe(201);
		const c = await res.json<Record<string, unknown>>();
		expect(c).toMatchObject({
			status: "draft",
			max_concurrent: 10,
			calls_per_second: 1,
			ring_timeout_s: 30,
			webhook_secret: null,
		});
		const patched = await api(`/v1/campaigns/${c.id}`, {
			method: "PATCH",
			headers: u.auth,
			json: { calls_per_second: 5, retry: { busy: { delay_s: 60, max_attempts: 3 } } },
		});
		expect(await patched.json()).toMatchObject({
			calls_per_second: 5,
			retry: { busy: { delay_s: 60, max_attempts: 3 } },
		});
		expect(
			(await (await api("/v1/campaigns", { headers: u.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(1);
		expect((await api(`/v1/campaigns/${c.id}/calls`, { headers: u.auth })).status).toBe(200);
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: u.auth });
		const frozen = await api(`/v1/campaigns/${c.id}`, {
			method: "PATCH",
			headers: u.auth,
			json: { name: "D" },
		});
		expect(frozen.status).toBe(409);
		expect(await errorCode(frozen)).toBe("CAMPAIGN_NOT_DRAFT");
		expect(
			await errorCode(await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: u.auth })),
		).toBe("CAMPAIGN_BAD_STATE");
		expect(await errorCode(await api(`/v1/campaigns/${c.id}`, { method: "DELETE", headers: u.auth }))).toBe(
			"CAMPAIGN_ACTIVE",
		);
		await api(`/v1/campaigns/${c.id}/cancel`, { method: "POST", headers: u.auth });
		expect((await api(`/v1/campaigns/${c.id}`, { method: "DELETE", headers: u.auth })).status).toBe(204);
	});

	it("refuses to start a draft whose trunk was deleted, with a clear code", async () => {
		const u = await createTestUser();
		const p = await parts(u);
		const c = await (await create(u, p)).json<{ id: string }>();
		expect((await api(`/v1/sip-trunks/${p.trunk_id}`, { method: "DELETE", headers: u.auth })).status).toBe(
			204,
		);
		const res = await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: u.auth });
		expect(res.status).toBe(409);
		expect(await errorCode(res)).toBe("CAMPAIGN_INCOMPLETE");
		expect(
			(await (await api(`/v1/campaigns/${c.id}`, { headers: u.auth })).json<{ status: string }>()).status,
		).toBe("draft");
	});

	it("rejects impossible schedules and bad settings", async () => {
		const u = await createTestUser();
		const p = await parts(u);
		const bad: [Record<string, unknown>, string][] = [
			[
				{ window: { time_zone: "Mars/Olympus", days: [1], start: "09:00", end: "17:00" } },
				"SCHEDULE_IMPOSSIBLE",
			],
			[{ window: { time_zone: "UTC", days: [], start: "09:00", end: "17:00" } }, "SCHEDULE_IMPOSSIBLE"],
			[{ window: { time_zone: "UTC", days: [1], start: "18:00", end: "09:00" } }, "SCHEDULE_IMPOSSIBLE"],
			[{ window: { time_zone: "UTC", days: [1], start: "10:00", end: "10:00" } }, "SCHEDULE_IMPOSSIBLE"],
			[{ window: { time_zone: "UTC", days: [8], start: "09:00", end: "17:00" } }, "VALIDATION_FAILED"],
			[{ window: { time_zone: "UTC", days: [1], start: "25:00", end: "26:00" } }, "VALIDATION_FAILED"],
			[{ calls_per_second: 0 }, "VALIDATION_FAILED"],
			[{ max_concurrent: 0 }, "VALIDATION_FAILED"],
			[{ ring_timeout_s: 1 }, "VALIDATION_FAILED"],
			[{ retry: { busy: { delay_s: -1, max_attempts: 2 } } }, "VALIDATION_FAILED"],
			[{ retry: { completed: { delay_s: 1, max_attempts: 2 } } }, "VALIDATION_FAILED"],
			[{ webhook_url: "ftp://x.example.com" }, "VALIDATION_FAILED"],
			[{ webhook_url: "http://10.0.0.1/hook" }, "WEBHOOK_HOST_DENIED"],
			[{ trunk_id: "nope" }, "NOT_FOUND"],
		];
		for (const [extra, code] of bad)
			expect(await errorCode(await create(u, { ...p, ...extra })), JSON.stringify(extra)).toBe(code);
		expect(
			(await (await api("/v1/campaigns", { headers: u.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(0);
	});

	it("windows follow the zone's clock, including daylight saving", () => {
		const w = { time_zone: "America/New_York", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };
		// Monday 2026-03-09 13:30 UTC = 09:30 EDT (DST began 2026-03-08): open.
		expect(isOpen(w, Date.UTC(2026, 2, 9, 13, 30))).toBe(true);
		// Monday 2026-03-02 13:30 UTC = 08:30 EST: closed, opens at 14:00 UTC.
		expect(isOpen(w, Date.UTC(2026, 2, 2, 13, 30))).toBe(false);
		expect(nextOpen(w, Date.UTC(2026, 2, 2, 13, 30))).toBe(Date.UTC(2026, 2, 2, 14, 0));
		// Friday 17:00 local → next Monday 09:00 local.
		expect(nextOpen(w, Date.UTC(2026, 2, 13, 21, 0))).toBe(Date.UTC(2026, 2, 16, 13, 0));
	});

	it("another user can neither see, change, run nor read the records of your campaign, nor build one from your parts", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const p = await parts(alice);
		const c = await (await create(alice, p)).json<{ id: string }>();
		const m = mallory.auth;
		expect((await api(`/v1/campaigns/${c.id}`, { headers: m })).status).toBe(404);
		expect(
			(await api(`/v1/campaigns/${c.id}`, { method: "PATCH", headers: m, json: { name: "x" } })).status,
		).toBe(404);
		expect((await api(`/v1/campaigns/${c.id}`, { method: "DELETE", headers: m })).status).toBe(404);
		for (const action of ["start", "pause", "resume", "cancel"]) {
			expect(
				(await api(`/v1/campaigns/${c.id}/${action}`, { method: "POST", headers: m })).status,
				action,
			).toBe(404);
		}
		await api(`/v1/campaigns/${c.id}/start`, { method: "POST", headers: alice.auth });
		expect((await api(`/v1/campaigns/${c.id}/calls`, { headers: m })).status).toBe(404);
		expect((await api(`/v1/campaigns/${c.id}/calls.csv`, { headers: m })).status).toBe(404);
		expect(
			(await (await api("/v1/campaigns", { headers: m })).json<{ items: unknown[] }>()).items,
		).toHaveLength(0);
		// Mallory's own campaign cannot borrow Alice's trunk, sound or list.
		const mp = await parts(mallory);
		for (const k of ["trunk_id", "sound_id", "list_id"] as const) {
			expect((await create(mallory, { ...mp, [k]: p[k] })).status, k).toBe(404);
		}
		expect((await api("/v1/campaigns", { headers: {} })).status).toBe(401);
		expect((await api(`/v1/campaigns/${c.id}`, { headers: alice.auth })).status).toBe(200);
	});

	it("documents every voice route in the OpenAPI document with bearer security", async () => {
		const doc = await (await api("/openapi.json")).json<{
			paths: Record<string, Record<string, { security?: unknown[] }>>;
		}>();
		for (const path of [
			"/v1/sip-trunks",
			"/v1/sip-trunks/{id}/test-call",
			"/v1/sounds",
			"/v1/contact-lists",
			"/v1/do-not-call",
			"/v1/campaigns",
			"/v1/campaigns/{id}/{action}",
			"/v1/campaigns/{id}/calls",
			"/v1/campaigns/{id}/calls.csv",
		]) {
			const ops = doc.paths[path];
			expect(ops, path).toBeDefined();
			for (const op of Object.values(ops ?? {})) expect(op.security, path).toEqual([{ bearerAuth: [] }]);
		}
		expect(doc.paths["/v1/dialer/events"]?.post?.security).toEqual([{ dialerAuth: [] }]);
	});
});

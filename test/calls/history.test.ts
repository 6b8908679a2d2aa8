import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { recordCall } from "../../src/domain/calls/history";
import type { CallRecord } from "../../src/domain/calls/types";
import { newId } from "../../src/lib/ids";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";

type Page = {
	items: {
		id: string;
		direction: string;
		peer: { id: string; display_name: string };
		duration_s: number;
		end_code: number;
		end_reason: string;
		ended_by: string;
		missed: boolean;
		answered_at: number | null;
	}[];
	page_token: string | null;
};

function endedCall(
	callerId: string,
	calleeId: string,
	at: number,
	over: Partial<CallRecord> = {},
): CallRecord {
	return {
		id: newId(at),
		role: "caller",
		callerId,
		calleeId,
		state: "ended",
		socketId: "s",
		startedAt: at,
		ringUntil: at + 45_000,
		delivered: true,
		ackedAt: at + 100,
		answeredAt: at + 2000,
		endedAt: at + 62_400,
		end: { code: 200, reason: "normal", endedBy: "caller" },
		nextCheckAt: at + 120_000,
		...over,
	};
}

describe("GET /v1/calls", () => {
	it("lists my calls in both directions, newest first, with peer, duration and how they ended", async () => {
		const alice = await createTestUser({ displayName: "Alice" });
		const bob = await createTestUser({ displayName: "Bob" });
		const db = createDb(env.DB);
		const t = Date.now() - 3_600_000;
		await recordCall(db, endedCall(alice.id, bob.id, t));
		await recordCall(
			db,
			endedCall(bob.id, alice.id, t + 1000, {
				answeredAt: null,
				end: { code: 480, reason: "no_answer", endedBy: "system" },
			}),
		);
		await recordCall(
			db,
			endedCall(bob.id, alice.id, t + 2000, {
				answeredAt: null,
				end: { code: 603, reason: "declined", endedBy: "callee" },
			}),
		);
		const res = await api("/v1/calls", { headers: alice.auth });
		expect(res.status).toBe(200);
		const page = (await res.json()) as Page;
		expect(page.page_token).toBeNull();
		expect(page.items.map((c) => [c.direction, c.end_code, c.missed])).toEqual([
			["incoming", 603, false],
			["incoming", 480, true],
			["outgoing", 200, false],
		]);
		expect(page.items[2]).toMatchObject({
			peer: { id: bob.id, display_name: "Bob" },
			duration_s: 60,
			end_reason: "normal",
			ended_by: "caller",
		});
		expect(page.items[1]).toMatchObject({ duration_s: 0, answered_at: null });
	});

	it("writes each call once even if the write is retried", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const call = endedCall(alice.id, bob.id, Date.now());
		await recordCall(createDb(env.DB), call);
		await recordCall(createDb(env.DB), { ...call, end: { code: 500, reason: "dropped", endedBy: "system" } });
		const page = (await (await api("/v1/calls", { headers: bob.auth })).json()) as Page;
		expect(page.items).toHaveLength(1);
		expect(page.items[0]?.end_code).toBe(200);
	});

	it("pages with page_token without repeats or gaps", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const db = createDb(env.DB);
		const t = Date.now() - 86_400_000;
		for (let i = 0; i < 5; i++) await recordCall(db, endedCall(alice.id, bob.id, t + i * 1000));
		const seen: string[] = [];
		let token: string | null = null;
		for (let guard = 0; guard < 5; guard++) {
			const q: string = token ? `?page_size=2&page_token=${token}` : "?page_size=2";
			const page = (await (await api(`/v1/calls${q}`, { headers: alice.auth })).json()) as Page;
			seen.push(...page.items.map((c) => c.id));
			token = page.page_token;
			if (!token) break;
		}
		expect(seen).toHaveLength(5);
		expect(new Set(seen).size).toBe(5);
		expect([...seen].sort().reverse()).toEqual(seen);
	});

	it("never shows other people's calls", async () => {
		const alice = await createTestUser();
		const bob = await createTestUser();
		const eve = await createTestUser();
		await recordCall(createDb(env.DB), endedCall(alice.id, bob.id, Date.now()));
		const page = (await (await api("/v1/calls", { headers: eve.auth })).json()) as Page;
		expect(page.items).toEqual([]);
	});

	it("validates the query and requires sign-in", async () => {
		const alice = await createTestUser();
		for (const q of ["?page_size=0", "?page_size=101", "?page_size=abc", "?page_token=not-an-id"]) {
			const res = await api(`/v1/calls${q}`, { headers: alice.auth });
			expect(res.status, q).toBe(400);
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		const anon = await api("/v1/calls");
		expect(anon.status).toBe(401);
	});
});

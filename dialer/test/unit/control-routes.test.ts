/**
 * The control API's Hono app in-process (no sockets), against a stub call
 * manager: the error model (one body, the contract's code → status map, a
 * bare 500 for the unexpected), methods, media types, body limits, draining,
 * and who gets in.
 */
import { CallView, DialerErrorBody, DialerHealth, dialerErrorStatus } from "@hatch/contract/dialer";
import { describe, expect, it } from "vitest";
import { CallError, type CallManager } from "../../src/call/manager.ts";
import { TokenService } from "../../src/control/auth.ts";
import { controlRoutes } from "../../src/control/routes.ts";
import { SECRET, TEST_DENY } from "../helpers.ts";
import { quietLog } from "./sip-peer.ts";

const tokens = new TokenService(SECRET);

/** The app over a manager whose `place` does what the test says. */
function app(
	place: CallManager["place"] = async () => ({ id: "c1", state: "trying" }) as never,
	draining = false,
) {
	const view: CallView = {
		call_id: "c1",
		state: "trying",
		to: "1",
		created_at: "2026-01-01T00:00:00Z",
		events: [],
	};
	const manager = {
		active: 1,
		capacity: 10,
		place,
		get: (id: string) => (id === "c1" ? { id, state: "trying", view: () => view } : undefined),
		hangup: (id: string) => id === "c1",
	} as unknown as CallManager;
	const log = quietLog();
	return { app: controlRoutes({ manager, tokens, log, draining: () => draining }), log };
}

const auth = async () => ({ authorization: `Bearer ${await tokens.forDialer()}` });
const body = {
	call_id: "c1",
	to: "+15550100",
	trunk: { host: "127.0.0.1", port: 5060 },
	audio: { url: "http://127.0.0.1/a.wav" },
	host_deny: TEST_DENY,
};
const post = async (over: RequestInit = {}) => ({
	method: "POST",
	headers: { ...(await auth()), "content-type": "application/json" },
	body: JSON.stringify(body),
	...over,
});

/** The status, and the code of a body the contract's error schema accepts. */
async function refusal(res: Response): Promise<[number, string]> {
	const parsed = DialerErrorBody.parse(await res.json());
	expect(parsed.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
	expect(res.status).toBe(dialerErrorStatus(parsed.error.code));
	return [res.status, parsed.error.code];
}

describe("control routes", () => {
	it("GET /health is open and answers the contract's shape", async () => {
		const res = await app().app.request("/health");
		expect(res.status).toBe(200);
		expect(DialerHealth.parse(await res.json())).toMatchObject({ ok: true, active_calls: 1, capacity: 10 });
	});

	it("places, reads and hangs up a call", async () => {
		const a = app().app;
		expect((await a.request("/calls", await post())).status).toBe(201);
		const got = await a.request("/calls/c1", { headers: await auth() });
		expect(CallView.parse(await got.json()).call_id).toBe("c1");
		const del = await a.request("/calls/c1", { method: "DELETE", headers: await auth() });
		expect([del.status, await del.json()]).toEqual([202, { call_id: "c1", state: "trying" }]);
	});

	it("hostile: no token, a wrong one, or the dialer's own (reversed audience) gets 401 on every call route", async () => {
		const a = app().app;
		const reversed = `Bearer ${await tokens.outbound()}`;
		for (const authorization of [undefined, "Bearer x.y.z", reversed]) {
			const headers: Record<string, string> = authorization ? { authorization } : {};
			for (const [path, method] of [
				["/calls", "POST"],
				["/calls/c1", "GET"],
				["/calls/c1", "DELETE"],
			]) {
				const res = await a.request(path, { method, headers });
				expect(await refusal(res), `${method} ${path} ${authorization}`).toEqual([401, "UNAUTHORIZED"]);
			}
		}
	});

	it("answers unknown routes 404 and wrong methods 405, in the one error body", async () => {
		const a = app().app;
		expect(await refusal(await a.request("/nope"))).toEqual([404, "NOT_FOUND"]);
		expect(await refusal(await a.request("/health", { method: "POST" }))).toEqual([
			405,
			"METHOD_NOT_ALLOWED",
		]);
		expect(await refusal(await a.request("/calls", { method: "PUT", headers: await auth() }))).toEqual([
			405,
			"METHOD_NOT_ALLOWED",
		]);
		expect(await refusal(await a.request("/calls/c1", { method: "PATCH", headers: await auth() }))).toEqual([
			405,
			"METHOD_NOT_ALLOWED",
		]);
		expect(await refusal(await a.request("/calls/nope", { headers: await auth() }))).toEqual([
			404,
			"CALL_NOT_FOUND",
		]);
	});

	it("refuses a body that is not JSON, is too large, or is broken", async () => {
		const a = app().app;
		const asText = await post({ headers: { ...(await auth()), "content-type": "text/plain" } });
		expect(await refusal(await a.request("/calls", asText))).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
		const huge = await post({
			headers: { ...(await auth()), "content-type": "application/json", "content-length": "200000000" },
		});
		expect(await refusal(await a.request("/calls", huge))).toEqual([413, "BODY_TOO_LARGE"]);
		expect(await refusal(await a.request("/calls", await post({ body: "{" })))).toEqual([
			400,
			"INVALID_JSON",
		]);
	});

	it("refuses a bad campaign rate with a code naming the field, and places nothing", async () => {
		let placed = 0;
		const a = app(async () => {
			placed++;
			return { id: "c1", state: "trying" } as never;
		}).app;
		const withRate = async (rate: unknown) =>
			refusal(await a.request("/calls", await post({ body: JSON.stringify({ ...body, rate }) })));
		expect(await withRate("100")).toEqual([400, "INVALID_RATE"]);
		expect(await withRate({ key: "", calls_per_second: 10 })).toEqual([400, "INVALID_RATE_KEY"]);
		expect(await withRate({ key: "camp", calls_per_second: 0 })).toEqual([
			400,
			"INVALID_RATE_CALLS_PER_SECOND",
		]);
		expect(await withRate({ key: "camp", calls_per_second: 5000 })).toEqual([
			400,
			"INVALID_RATE_CALLS_PER_SECOND",
		]);
		expect(await withRate({ key: "camp" })).toEqual([400, "INVALID_RATE_CALLS_PER_SECOND"]);
		expect(placed).toBe(0);
		// The same body with a good rate is placed: the refusals above were the rate's.
		const ok = await a.request(
			"/calls",
			await post({ body: JSON.stringify({ ...body, rate: { key: "camp", calls_per_second: 10 } }) }),
		);
		expect(ok.status).toBe(201);
		expect(placed).toBe(1);
	});

	it("maps the call manager's refusals by code, refuses while draining, and hides internals in a 500", async () => {
		const full = app(async () => {
			throw new CallError("AT_CAPACITY", "dialer is at capacity (10 calls)");
		}).app;
		expect(await refusal(await full.request("/calls", await post()))).toEqual([503, "AT_CAPACITY"]);
		const draining = app(undefined, true).app;
		expect(await refusal(await draining.request("/calls", await post()))).toEqual([503, "SHUTTING_DOWN"]);
		const broken = app(async () => {
			throw new Error("secret internals at /srv/dialer");
		});
		const res = await broken.app.request("/calls", await post());
		const text = await res.clone().text();
		expect(await refusal(res)).toEqual([500, "INTERNAL"]);
		expect(text).not.toContain("internals");
		expect(broken.log.warnings).toEqual(["control API failed"]);
	});
});

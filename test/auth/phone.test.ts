import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { SMS_MAX_ATTEMPTS } from "../../src/domain/auth/phone";
import { api, errorCode } from "../helpers/http";
import {
	codeIn,
	countRows,
	freshIp,
	lastMessage,
	messageCount,
	phoneSignIn,
	type Tokens,
	uniquePhone,
} from "./helpers";

const requestCode = (phone: unknown, headers: Record<string, string> = freshIp()) =>
	api("/v1/auth/phone/code", { method: "POST", headers, json: { phone } });
const verify = (json: Record<string, unknown>) =>
	api("/v1/auth/phone/verify", { method: "POST", headers: freshIp(), json });

/** Calls the app with a different configuration, as a production deployment would have it. */
async function callWithEnv(overrides: Record<string, string>, path: string, init: RequestInit = {}) {
	const ctx = createExecutionContext();
	const res = await app.fetch(new Request(`https://hatch.test${path}`, init), { ...env, ...overrides }, ctx);
	await waitOnExecutionContext(ctx);
	return res;
}

describe("POST /v1/auth/phone/code + /verify", () => {
	it("an unknown number registers with the optional profile, in one call", async () => {
		const phone = uniquePhone();
		const sent = await requestCode(phone.replace("+1", "").replace(/(\d{3})(\d{3})(\d{4})/, "($1) $2-$3"));
		expect(sent.status).toBe(202);
		expect(await sent.json()).toEqual({ phone, expires_in: 600, resend_after: 60 });
		const code = codeIn((await lastMessage(phone)).body);
		const stored = await env.DB.prepare("select code_hash from sms_codes where phone = ?")
			.bind(phone)
			.first<{ code_hash: string }>();
		expect(stored?.code_hash).toMatch(/^[0-9a-f]{64}$/);
		expect(stored?.code_hash).not.toContain(code);

		const res = await verify({
			phone,
			code,
			first_name: "Joe",
			last_name: "Armstrong",
			age: 70,
			gender: "male",
		});
		expect(res.status).toBe(201);
		const body = (await res.json()) as Tokens & { user: Record<string, unknown> };
		expect(body.user).toMatchObject({
			phone,
			email: null,
			first_name: "Joe",
			last_name: "Armstrong",
			age: 70,
			gender: "male",
			display_name: "Joe Armstrong",
			role: "user",
		});
		expect((await api("/v1/me", { headers: { Authorization: `Bearer ${body.access_token}` } })).status).toBe(
			200,
		);
	});

	it("a known number signs in to the same account (200), ignoring profile fields", async () => {
		const phone = uniquePhone();
		const first = (await (await phoneSignIn(phone, { first_name: "Ann" })).json()) as Tokens;
		const again = await phoneSignIn(phone, { first_name: "Mallory" });
		expect(again.status).toBe(200);
		const body = (await again.json()) as Tokens & { user: { first_name: string } };
		expect(body.user.id).toBe(first.user.id);
		expect(body.user.first_name).toBe("Ann");
	});

	it("answers the same for registered and unknown numbers", async () => {
		const known = uniquePhone();
		await phoneSignIn(known);
		await env.DB.prepare("delete from sms_codes").run();
		const unknown = uniquePhone();
		const a = await requestCode(known);
		const b = await requestCode(unknown);
		expect(a.status).toBe(b.status);
		const ja = (await a.json()) as Record<string, unknown>;
		const jb = (await b.json()) as Record<string, unknown>;
		expect({ ...ja, phone: "" }).toEqual({ ...jb, phone: "" });
	});

	it("a code works once", async () => {
		const phone = uniquePhone();
		await requestCode(phone);
		const code = codeIn((await lastMessage(phone)).body);
		expect((await verify({ phone, code })).status).toBe(201);
		const again = await verify({ phone, code });
		expect(again.status).toBe(428);
		expect(await errorCode(again)).toBe("SMS_CODE_REQUIRED");
	});

	it("a code is bound to its number", async () => {
		const alice = uniquePhone();
		const bob = uniquePhone();
		await requestCode(alice);
		await requestCode(bob);
		const aliceCode = codeIn((await lastMessage(alice)).body);
		const bobCode = codeIn((await lastMessage(bob)).body);
		if (aliceCode === bobCode) return; // one in a million: nothing to tell apart
		const res = await verify({ phone: bob, code: aliceCode });
		expect(res.status).toBe(403);
		expect(await errorCode(res)).toBe("INVALID_SMS_CODE");
	});

	it("five wrong attempts destroy the code, even the right one fails after", async () => {
		const phone = uniquePhone();
		await requestCode(phone);
		const code = codeIn((await lastMessage(phone)).body);
		const wrong = code === "000000" ? "000001" : "000000";
		for (let i = 1; i <= SMS_MAX_ATTEMPTS; i++) {
			const res = await verify({ phone, code: wrong });
			expect(res.status).toBe(403);
			const body = (await res.json()) as { error: { details: { attemptsLeft: number } } };
			expect(body.error.details.attemptsLeft).toBe(SMS_MAX_ATTEMPTS - i);
		}
		const right = await verify({ phone, code });
		expect(right.status).toBe(428);
		const row = await env.DB.prepare("select count(*) as n from users where phone = ?")
			.bind(phone)
			.first<{ n: number }>();
		expect(row?.n).toBe(0);
	});

	it("a code expires after 10 minutes", async () => {
		const phone = uniquePhone();
		await requestCode(phone);
		const code = codeIn((await lastMessage(phone)).body);
		await env.DB.prepare("update sms_codes set expires_at = ? where phone = ?")
			.bind(Date.now() - 1, phone)
			.run();
		const res = await verify({ phone, code });
		expect(res.status).toBe(428);
	});

	it("verifying a number that was never sent a code is 428", async () => {
		const res = await verify({ phone: uniquePhone(), code: "123456" });
		expect(res.status).toBe(428);
		expect(await errorCode(res)).toBe("SMS_CODE_REQUIRED");
	});

	it("throttles resends for a minute with 429 and Retry-After, and keeps the first code", async () => {
		const phone = uniquePhone();
		await requestCode(phone);
		const first = codeIn((await lastMessage(phone)).body);
		const res = await requestCode(phone);
		expect(res.status).toBe(429);
		expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
		expect(Number(res.headers.get("Retry-After"))).toBeLessThanOrEqual(60);
		expect(await messageCount(phone)).toBe(1);
		expect((await verify({ phone, code: first })).status).toBe(201);
	});

	it("limits code requests per number (5 an hour) and per IP (10 an hour)", async () => {
		const phone = uniquePhone();
		const statuses: number[] = [];
		for (let i = 0; i < 6; i++) {
			await env.DB.prepare("delete from sms_codes where phone = ?").bind(phone).run(); // skip the resend throttle
			statuses.push((await requestCode(phone)).status);
		}
		expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
		const ip = freshIp();
		let last: Response | undefined;
		for (let i = 0; i < 11; i++) last = await requestCode(uniquePhone(), ip);
		expect(last?.status).toBe(429);
	});

	it("limits code checks per number (10 per 10 minutes) across IPs", async () => {
		const phone = uniquePhone();
		let last: Response | undefined;
		for (let i = 0; i < 11; i++) {
			await requestCode(phone).catch(() => undefined);
			last = await verify({ phone, code: "999999" });
		}
		expect(last?.status).toBe(429);
	});

	it("rejects bad input and stores nothing", async () => {
		const codes = await countRows("sms_codes");
		const users = await countRows("users");
		const outbox = await countRows("dev_outbox");
		for (const phone of ["12345", "not a number", "+1415555", 14155550123, "", null]) {
			const res = await requestCode(phone);
			expect(res.status).toBe(400);
			expect(["INVALID_PHONE", "VALIDATION_FAILED"]).toContain(await errorCode(res));
		}
		const phone = uniquePhone();
		for (const json of [
			{ phone, code: "12345" },
			{ phone, code: 123456 },
			{ phone },
			{ phone, code: "123456", age: "old" },
			{ phone, code: "123456", gender: "robot" },
			{ phone, code: "123456", role: "admin" },
		]) {
			const res = await verify(json);
			expect(res.status).toBe(400);
		}
		const malformed = await api("/v1/auth/phone/code", {
			method: "POST",
			headers: { ...freshIp(), "Content-Type": "application/json" },
			body: '{"phone":',
		});
		expect(await errorCode(malformed)).toBe("INVALID_JSON");
		const huge = await requestCode("1".repeat(70_000));
		expect(huge.status).toBe(413);
		expect(await countRows("sms_codes")).toBe(codes);
		expect(await countRows("users")).toBe(users);
		expect(await countRows("dev_outbox")).toBe(outbox);
	});
});

describe("the console SMS provider in production", () => {
	it("refuses to work (503) and stores no code: a readable code cannot exist in production", async () => {
		const codes = await countRows("sms_codes");
		const outbox = await countRows("dev_outbox");
		const res = await callWithEnv(
			{ ENVIRONMENT: "production", SMS_PROVIDER: "console" },
			"/v1/auth/phone/code",
			{
				method: "POST",
				headers: { "Content-Type": "application/json", ...freshIp() },
				body: JSON.stringify({ phone: uniquePhone() }),
			},
		);
		expect(res.status).toBe(503);
		expect(await errorCode(res)).toBe("SMS_UNAVAILABLE");
		expect(await countRows("sms_codes")).toBe(codes);
		expect(await countRows("dev_outbox")).toBe(outbox);
	});

	it("also refuses with a missing or misspelt ENVIRONMENT", async () => {
		for (const ENVIRONMENT of ["", "prod", "Development"]) {
			const res = await callWithEnv({ ENVIRONMENT, SMS_PROVIDER: "console" }, "/v1/auth/phone/code", {
				method: "POST",
				headers: { "Content-Type": "application/json", ...freshIp() },
				body: JSON.stringify({ phone: uniquePhone() }),
			});
			expect(res.status).toBe(503);
		}
	});

	it("hides the dev outbox outside development and test", async () => {
		const phone = uniquePhone();
		await requestCode(phone);
		const prod = await callWithEnv(
			{ ENVIRONMENT: "production" },
			`/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
		);
		expect(prod.status).toBe(404);
		const test = await api(`/v1/dev/outbox?to=${encodeURIComponent(phone)}`);
		expect(test.status).toBe(200);
		const body = (await test.json()) as { items: { channel: string; body: string }[] };
		expect(body.items[0]?.channel).toBe("sms");
		expect(body.items[0]?.body).toMatch(/\d{6}/);
	});

	it("production with the http provider but no secrets refuses too", async () => {
		const res = await callWithEnv(
			{ ENVIRONMENT: "production", SMS_PROVIDER: "http" },
			"/v1/auth/phone/code",
			{
				method: "POST",
				headers: { "Content-Type": "application/json", ...freshIp() },
				body: JSON.stringify({ phone: uniquePhone() }),
			},
		);
		expect(res.status).toBe(503);
	});
});

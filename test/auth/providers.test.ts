import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { createDb } from "../../src/db/client";
import { ApiError } from "../../src/errors";
import { createEmailProvider } from "../../src/providers/email";
import { HttpEmailProvider } from "../../src/providers/email/http";
import { createSmsProvider } from "../../src/providers/sms";
import { HttpSmsProvider } from "../../src/providers/sms/http";

type Seen = { url: string; init: RequestInit };
function fakeFetch(status = 200) {
	const seen: Seen[] = [];
	const fn = (async (url: string, init: RequestInit) => {
		seen.push({ url, init });
		return new Response("{}", { status });
	}) as unknown as typeof fetch;
	return { fn, seen };
}

const db = createDb(env.DB);

describe("SMS providers", () => {
	it("http: POSTs JSON {to, from, text} with the bearer secret", async () => {
		const { fn, seen } = fakeFetch();
		await new HttpSmsProvider({ url: "https://sms.example/send", token: "s3cret", from: "Hatch" }, fn).send(
			"+14155550100",
			"Your code is 123456",
		);
		expect(seen[0]?.url).toBe("https://sms.example/send");
		expect(new Headers(seen[0]?.init.headers).get("Authorization")).toBe("Bearer s3cret");
		expect(JSON.parse(String(seen[0]?.init.body))).toEqual({
			to: "+14155550100",
			from: "Hatch",
			text: "Your code is 123456",
		});
	});

	it("http: a gateway error is an error", async () => {
		const { fn } = fakeFetch(500);
		await expect(
			new HttpSmsProvider({ url: "https://sms.example", token: "t" }, fn).send("+1", "x"),
		).rejects.toThrow(/500/);
	});

	it("the factory picks by SMS_PROVIDER and fails closed", () => {
		const base = { SMS_HTTP_URL: "https://sms.example", SMS_HTTP_TOKEN: "t" };
		expect(
			createSmsProvider({ ENVIRONMENT: "production", SMS_PROVIDER: "http", ...base }, db),
		).toBeInstanceOf(HttpSmsProvider);
		expect(createSmsProvider({ ENVIRONMENT: "test", SMS_PROVIDER: "console" }, db).constructor.name).toBe(
			"ConsoleSmsProvider",
		);
		expect(
			createSmsProvider({ ENVIRONMENT: "development", SMS_PROVIDER: "console" }, db).constructor.name,
		).toBe("ConsoleSmsProvider");
		for (const bad of [
			{ ENVIRONMENT: "production", SMS_PROVIDER: "console" },
			{ ENVIRONMENT: "staging", SMS_PROVIDER: "console" },
			{ ENVIRONMENT: "production", SMS_PROVIDER: "http" },
			{ ENVIRONMENT: "production", SMS_PROVIDER: "" },
			{ ENVIRONMENT: "test", SMS_PROVIDER: "fixed-6666" },
		]) {
			expect(() => createSmsProvider(bad, db), JSON.stringify(bad)).toThrow(ApiError);
		}
	});
});

describe("email providers", () => {
	it("http: POSTs JSON {from, to, subject, text} with the bearer secret", async () => {
		const { fn, seen } = fakeFetch();
		await new HttpEmailProvider(
			{ url: "https://mail.example/emails", token: "k", from: "Hatch <no-reply@hatch>" },
			fn,
		).send({
			to: "ann@example.test",
			subject: "Hi",
			text: "Body",
		});
		expect(new Headers(seen[0]?.init.headers).get("Authorization")).toBe("Bearer k");
		expect(JSON.parse(String(seen[0]?.init.body))).toEqual({
			from: "Hatch <no-reply@hatch>",
			to: ["ann@example.test"],
			subject: "Hi",
			text: "Body",
		});
	});

	it("the factory fails closed outside development and test", () => {
		expect(
			createEmailProvider(
				{
					ENVIRONMENT: "production",
					EMAIL_PROVIDER: "http",
					EMAIL_HTTP_URL: "https://m",
					EMAIL_HTTP_TOKEN: "k",
				},
				db,
			),
		).toBeInstanceOf(HttpEmailProvider);
		expect(() => createEmailProvider({ ENVIRONMENT: "production", EMAIL_PROVIDER: "console" }, db)).toThrow(
			ApiError,
		);
		expect(() => createEmailProvider({ ENVIRONMENT: "production", EMAIL_PROVIDER: "http" }, db)).toThrow(
			ApiError,
		);
	});
});

describe("the console email provider in production", () => {
	it("makes registration and password reset refuse (503) before anything is stored", async () => {
		const count = async (t: string) =>
			(await env.DB.prepare(`select count(*) as n from ${t}`).first<{ n: number }>())?.n ?? 0;
		const before = [await count("email_tokens"), await count("dev_outbox")];
		for (const [path, json] of [
			["/v1/auth/register", { email: "prod-console@example.test", password: "violet-harbor-tractor-42" }],
			["/v1/auth/password/forgot", { email: "prod-console@example.test" }],
		] as const) {
			const ctx = createExecutionContext();
			const res = await app.fetch(
				new Request(`https://hatch.test${path}`, {
					method: "POST",
					headers: { "Content-Type": "application/json", "CF-Connecting-IP": "192.0.2.99" },
					body: JSON.stringify(json),
				}),
				{ ...env, ENVIRONMENT: "production", EMAIL_PROVIDER: "console" },
				ctx,
			);
			await waitOnExecutionContext(ctx);
			expect(res.status, path).toBe(503);
		}
		expect([await count("email_tokens"), await count("dev_outbox")]).toEqual(before);
	});
});

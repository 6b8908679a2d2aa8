import { env } from "cloudflare:test";
import { expect, vi } from "vitest";
import { api } from "../helpers/http";

let ipCounter = 0;
/** A fresh client IP per call, so per-IP rate limits of one test never trip another. */
export function freshIp(): { "CF-Connecting-IP": string } {
	ipCounter += 1;
	return { "CF-Connecting-IP": `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}` };
}

/** A unique address, so tests never collide on the unique email index. */
export function uniqueEmail(tag = "user"): string {
	return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

const phonesGiven = new Set<string>();
/**
 * A valid US number in E.164, drawn at random from 415's ~8 million
 * (exchanges 200-999 but the N11 codes): the worker tests share one D1, so
 * numbers must not repeat across files, which a counter per module cannot promise.
 */
export function uniquePhone(): string {
	for (;;) {
		const [a = 0, b = 0] = crypto.getRandomValues(new Uint32Array(2));
		const exchange = 200 + (a % 800);
		if (exchange % 100 === 11) continue;
		const phone = `+1415${exchange}${String(b % 10_000).padStart(4, "0")}`;
		if (phonesGiven.has(phone)) continue;
		phonesGiven.add(phone);
		return phone;
	}
}

export const GOOD_PASSWORD = "violet-harbor-tractor-42";

/** Rows in a table, for "nothing was stored" checks. */
export async function countRows(table: string): Promise<number> {
	const row = await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>();
	return row?.n ?? 0;
}

/** Newest outbox message to `to` (what the console providers recorded), waiting for background sends. */
export async function lastMessage(to: string, after = 0): Promise<{ body: string; subject: string | null }> {
	return vi.waitFor(
		async () => {
			const row = await env.DB.prepare(
				"select body, subject from dev_outbox where recipient = ? and created_at > ? order by id desc limit 1",
			)
				.bind(to, after)
				.first<{ body: string; subject: string | null }>();
			if (!row) throw new Error(`no message to ${to} yet`);
			return row;
		},
		{ timeout: 5000, interval: 25 },
	);
}

export async function messageCount(to: string): Promise<number> {
	const row = await env.DB.prepare("select count(*) as n from dev_outbox where recipient = ?")
		.bind(to)
		.first<{ n: number }>();
	return row?.n ?? 0;
}

/** The token an email carries (the line "Token: ..." or the last long base64url word). */
export function tokenIn(body: string): string {
	const m = /Token: ([A-Za-z0-9_-]{40,})/.exec(body) ?? /([A-Za-z0-9_-]{43})\s*\n/.exec(body);
	if (!m?.[1]) throw new Error(`no token in: ${body}`);
	return m[1];
}

export function codeIn(body: string): string {
	const m = /\b(\d{6})\b/.exec(body);
	if (!m?.[1]) throw new Error(`no code in: ${body}`);
	return m[1];
}

export type Tokens = {
	access_token: string;
	refresh_token: string;
	session_id: string;
	expires_in: number;
	user: { id: string; email: string | null; role: string; display_name: string; phone: string | null };
};

/** Registers through the API, reads the confirmation email and confirms: a real signed-in user. */
export async function registerUser(
	opts: { email?: string; password?: string; displayName?: string } = {},
): Promise<Tokens & { email: string; password: string; auth: { Authorization: string } }> {
	const email = opts.email ?? uniqueEmail();
	const password = opts.password ?? GOOD_PASSWORD;
	const res = await api("/v1/auth/register", {
		method: "POST",
		headers: freshIp(),
		json: { email, password, ...(opts.displayName ? { display_name: opts.displayName } : {}) },
	});
	expect(res.status).toBe(202);
	const token = tokenIn((await lastMessage(email)).body);
	const confirmed = await api("/v1/auth/register/confirm", {
		method: "POST",
		headers: freshIp(),
		json: { token },
	});
	expect(confirmed.status).toBe(201);
	const body = (await confirmed.json()) as Tokens;
	return { ...body, email, password, auth: { Authorization: `Bearer ${body.access_token}` } };
}

export async function login(email: string, password: string, headers: Record<string, string> = {}) {
	return api("/v1/auth/login", {
		method: "POST",
		headers: { ...freshIp(), ...headers },
		json: { email, password },
	});
}

/** Signs in (or up) by phone through the API, reading the code from the outbox. */
export async function phoneSignIn(phone: string, extra: Record<string, unknown> = {}) {
	const sent = await api("/v1/auth/phone/code", { method: "POST", headers: freshIp(), json: { phone } });
	expect(sent.status).toBe(202);
	const code = codeIn((await lastMessage(phone)).body);
	return api("/v1/auth/phone/verify", {
		method: "POST",
		headers: freshIp(),
		json: { phone, code, ...extra },
	});
}

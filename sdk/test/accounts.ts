/**
 * Signing test users up through the SDK against a development Worker,
 * reading codes and tokens from its console outbox (GET /v1/dev/outbox).
 */
import { randomUUID } from "node:crypto";
import { WebSocket } from "ws";
import { HatchClient, type WebSocketCtor } from "../src/index.ts";

type OutboxItem = { channel: string; body: string };

/** The first match of `pattern`'s group 1 in what the console providers sent to `to`, newest first. */

export async function outbox(url: string, to: string, pattern: RegExp): Promise<string> {
	const until = Date.now() + 15_000;
	while (Date.now() < until) {
		const res = await fetch(`${url}/v1/dev/outbox?to=${encodeURIComponent(to)}`);
		const { items } = (await res.json()) as { items: OutboxItem[] };
		const hit = items.map((i) => pattern.exec(i.body)?.[1]).find(Boolean);
		if (hit) return hit;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`nothing matching ${pattern} reached ${to}`);
}

export function client(url: string, transport: "json" | "msgpack" = "json"): HatchClient {
	return new HatchClient({
		baseUrl: url,
		socket: {
			WebSocket: WebSocket as unknown as WebSocketCtor,
			transport,
			backoff: { initialMs: 50, maxMs: 400 },
		},
	});
}

/** A new account by phone code (registers an unknown number in one call). */
export async function phoneUser(url: string, transport: "json" | "msgpack" = "json") {
	const hatch = client(url, transport);
	const phone = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
	await hatch.auth.requestPhoneCode(phone);
	const code = await outbox(url, phone, /\b(\d{6})\b/);
	const res = await hatch.auth.verifyPhoneCode(phone, code, { display_name: `Phone ${phone.slice(-4)}` });
	return { hatch, id: res.user.id, phone };
}

/** A new account by email: register, the emailed token, confirm (what the /confirm page does). */
export async function emailUser(url: string, transport: "json" | "msgpack" = "json") {
	const hatch = client(url, transport);
	const email = `u-${randomUUID().slice(0, 8)}@example.com`;
	const password = `pw-${randomUUID()}`;
	await hatch.auth.register(email, password, `Mail ${email.slice(2, 6)}`);
	const token = await outbox(url, email, /token=([A-Za-z0-9_-]+)/);
	const res = await hatch.auth.confirmRegistration(token);
	return { hatch, id: res.user.id, email, password };
}

/** Resolves once `check()` is true, polling every 20 ms; fails after `ms` with `what`. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
	const end = Date.now() + ms;
	while (!check()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 20));
	}
}

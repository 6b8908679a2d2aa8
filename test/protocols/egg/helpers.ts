import { env } from "cloudflare:test";
import { createDb } from "../../../src/db/client";
import { sessionKeyOf } from "../../../src/domain/auth/session-key";
import { startSession } from "../../../src/domain/auth/sessions";
import { api } from "../../helpers/http";
import type { TestUser } from "../../helpers/users";

/** A fresh valid Russian mobile msisdn for each call. */
let n = 0;
export function freshMsisdn(): number {
	n++;
	return 79_160_000_000 + (Date.now() % 100_000) * 100 + (n % 100);
}

/** POST a JSON body to an Egg path under /compat/egg. */
export function egg(path: string, json: unknown, headers: Record<string, string> = {}) {
	// Each call from its own address, so the per-IP sign-up limits do not trip across tests.
	const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
	return api(`/compat/egg${path}`, { method: "POST", json, headers: { "CF-Connecting-IP": ip, ...headers } });
}

/** Registers a v3 user through the seed's own flow (sms, then register/json) and returns the session id. */
export async function eggUser(msisdn = freshMsisdn(), extra: Record<string, unknown> = {}) {
	const sms = await egg("/v3/sms", { msisdn });
	if (sms.status !== 200) throw new Error(`sms ${sms.status} ${await sms.text()}`);
	const res = await egg("/v3/register/json", { msisdn, sms_code: 6666, ...extra });
	if (res.status !== 201) throw new Error(`register ${res.status} ${await res.text()}`);
	return { msisdn, session: (await res.json()) as string };
}

/** An Egg session id for a test user made in D1. */
export async function sessionOf(user: TestUser): Promise<string> {
	const issued = await startSession(createDb(env.DB), env, { id: user.id, role: "admin" }, {});
	return sessionKeyOf(env.JWT_SECRET, issued.sessionId);
}

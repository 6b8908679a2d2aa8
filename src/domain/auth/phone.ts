import { and, eq, lt, sql } from "drizzle-orm";
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { smsCodes } from "../../db/schema";
import { ApiError } from "../../errors";
import type { SmsProvider } from "../../providers/sms";
import type { Db } from "../users/db";
import { timingSafeEqual } from "./password";

export const SMS_CODE_TTL_MS = 10 * 60 * 1000;
export const SMS_RESEND_INTERVAL_MS = 60 * 1000;
export const SMS_MAX_ATTEMPTS = 5;

/**
 * Normalises a phone number to E.164, reading national formats in
 * `defaultRegion` (the DEFAULT_PHONE_REGION var).
 *
 * @throws INVALID_PHONE (400) when it is not a possible number.
 * @example normalizePhone("(415) 555-2671", "US") // "+14155552671"
 */
export function normalizePhone(raw: string, defaultRegion: string): string {
	const parsed = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
	if (!parsed?.isValid()) throw new ApiError("INVALID_PHONE", "Not a valid phone number", { status: 400 });
	return parsed.number;
}

/** A uniformly random 6-digit code (rejection sampling: no modulo bias). */
export function generateSmsCode(): string {
	const buf = new Uint32Array(1);
	const limit = 4_294_000_000; // the largest multiple of 1,000,000 below 2^32
	for (;;) {
		crypto.getRandomValues(buf);
		const n = buf[0] ?? 0;
		if (n < limit) return String(n % 1_000_000).padStart(6, "0");
	}
}

/** HMAC of number + code under a server secret: a dump of the table cannot be brute-forced offline. */
async function codeHash(pepper: string, phone: string, code: string): Promise<Uint8Array> {
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(`sms-code:${pepper}`),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	return new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${phone}:${code}`)));
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

export type SmsDeps = { db: Db; sms: SmsProvider; pepper: string };

/**
 * Sends a fresh code to `phone`, replacing any earlier one. A resend within
 * a minute of the last is refused with 429 and Retry-After. The answer is
 * the same for registered and unknown numbers.
 *
 * @example const { expiresInS } = await requestSmsCode(deps, "+14155552671");
 */
export async function requestSmsCode(
	deps: SmsDeps,
	phone: string,
	now = Date.now(),
): Promise<{ expiresInS: number; resendAfterS: number }> {
	const existing = await deps.db.select().from(smsCodes).where(eq(smsCodes.phone, phone)).get();
	if (existing && now - existing.sentAt.getTime() < SMS_RESEND_INTERVAL_MS) {
		const wait = Math.ceil((existing.sentAt.getTime() + SMS_RESEND_INTERVAL_MS - now) / 1000);
		throw new ApiError("RATE_LIMITED", "A code was sent moments ago; wait before asking again", {
			headers: { "Retry-After": String(Math.max(1, wait)) },
		});
	}
	const code = generateSmsCode();
	const row = {
		phone,
		codeHash: hex(await codeHash(deps.pepper, phone, code)),
		attempts: 0,
		sentAt: new Date(now),
		expiresAt: new Date(now + SMS_CODE_TTL_MS),
	};
	await deps.db
		.insert(smsCodes)
		.values(row)
		.onConflictDoUpdate({ target: smsCodes.phone, set: { ...row } });
	try {
		await deps.sms.send(phone, `Your Hatch code is ${code}. It expires in 10 minutes. Never share it.`);
	} catch (err) {
		await deps.db.delete(smsCodes).where(eq(smsCodes.phone, phone));
		throw new ApiError("SMS_FAILED", "The text message could not be sent; try again", {
			status: 502,
			details: { why: String(err) },
		});
	}
	return { expiresInS: SMS_CODE_TTL_MS / 1000, resendAfterS: SMS_RESEND_INTERVAL_MS / 1000 };
}

/**
 * Checks a code for `phone` and uses it up on success. Every check counts
 * an attempt before comparing; the fifth wrong one destroys the code.
 *
 * @throws SMS_CODE_REQUIRED (428) with no live code, INVALID_SMS_CODE (403) on a wrong one.
 * @example await verifySmsCode(deps, phone, "123456");
 */
export async function verifySmsCode(
	deps: Pick<SmsDeps, "db" | "pepper">,
	phone: string,
	code: string,
	now = Date.now(),
): Promise<void> {
	const [row] = await deps.db
		.update(smsCodes)
		.set({ attempts: sql`${smsCodes.attempts} + 1` })
		.where(and(eq(smsCodes.phone, phone), lt(smsCodes.attempts, SMS_MAX_ATTEMPTS)))
		.returning();
	if (!row || row.expiresAt.getTime() <= now) {
		await deps.db.delete(smsCodes).where(eq(smsCodes.phone, phone));
		throw new ApiError("SMS_CODE_REQUIRED", "No valid code for this number; request a new one", {
			status: 428,
		});
	}
	const expected = Uint8Array.from(row.codeHash.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
	const actual = await codeHash(deps.pepper, phone, code);
	if (!timingSafeEqual(actual, expected)) {
		if (row.attempts >= SMS_MAX_ATTEMPTS) await deps.db.delete(smsCodes).where(eq(smsCodes.phone, phone));
		throw new ApiError("INVALID_SMS_CODE", "The code is wrong", {
			status: 403,
			details: { attemptsLeft: Math.max(0, SMS_MAX_ATTEMPTS - row.attempts) },
		});
	}
	// Single use: only the request that deletes the row wins.
	const used = await deps.db
		.delete(smsCodes)
		.where(and(eq(smsCodes.phone, phone), eq(smsCodes.codeHash, row.codeHash)))
		.returning({ phone: smsCodes.phone });
	if (used.length !== 1)
		throw new ApiError("SMS_CODE_REQUIRED", "No valid code for this number; request a new one", {
			status: 428,
		});
}

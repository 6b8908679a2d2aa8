import type { Db } from "../../domain/users/db";
import { ApiError } from "../../errors";
import { isDevEnvironment } from "../dev-mode";
import { ConsoleSmsProvider } from "./console";
import { HttpSmsProvider } from "./http";
import type { SmsProvider } from "./types";

export type { SmsProvider } from "./types";

/** The env keys the SMS providers read; the HTTP ones are secrets. */
export type SmsEnv = {
	ENVIRONMENT: string;
	SMS_PROVIDER: string;
	SMS_HTTP_URL?: string;
	SMS_HTTP_TOKEN?: string;
	SMS_FROM?: string;
};

/**
 * Picks the provider named by SMS_PROVIDER. `console` works only when
 * ENVIRONMENT is development or test; in any other configuration it, like a
 * misconfigured `http`, refuses with 503 so no readable code ever exists in
 * production.
 *
 * @example await createSmsProvider(env, db).send("+15551234567", "Your code is 123456");
 */
export function createSmsProvider(env: SmsEnv, db: Db, fetcher: typeof fetch = fetch): SmsProvider {
	if (env.SMS_PROVIDER === "console") {
		if (isDevEnvironment(env.ENVIRONMENT)) return new ConsoleSmsProvider(db);
		throw unavailable("SMS_PROVIDER=console is refused outside development and test");
	}
	if (env.SMS_PROVIDER === "http") {
		if (!env.SMS_HTTP_URL || !env.SMS_HTTP_TOKEN) throw unavailable("SMS_HTTP_URL / SMS_HTTP_TOKEN missing");
		return new HttpSmsProvider(
			{ url: env.SMS_HTTP_URL, token: env.SMS_HTTP_TOKEN, from: env.SMS_FROM },
			fetcher,
		);
	}
	throw unavailable(`unknown SMS_PROVIDER ${JSON.stringify(env.SMS_PROVIDER)}`);
}

function unavailable(why: string) {
	// The reason is for the operator's logs (it is in `details`); clients just see 503.
	return new ApiError("SMS_UNAVAILABLE", "SMS delivery is not available", { status: 503, details: { why } });
}

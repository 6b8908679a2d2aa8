import type { Db } from "../../domain/users/db";
import { ApiError } from "../../errors";
import { isDevEnvironment } from "../dev-mode";
import { ConsoleEmailProvider } from "./console";
import { HttpEmailProvider } from "./http";
import type { EmailProvider } from "./types";

export type { EmailMessage, EmailProvider } from "./types";

/** The env keys the email providers read; the HTTP ones are secrets. */
export type EmailEnv = {
	ENVIRONMENT: string;
	EMAIL_PROVIDER: string;
	EMAIL_HTTP_URL?: string;
	EMAIL_HTTP_TOKEN?: string;
	EMAIL_FROM?: string;
};

/**
 * Picks the provider named by EMAIL_PROVIDER; `console` only in development
 * and test, anything misconfigured refuses with 503 (fail closed).
 *
 * @example await createEmailProvider(env, db).send({ to, subject, text });
 */
export function createEmailProvider(env: EmailEnv, db: Db, fetcher: typeof fetch = fetch): EmailProvider {
	if (env.EMAIL_PROVIDER === "console") {
		if (isDevEnvironment(env.ENVIRONMENT)) return new ConsoleEmailProvider(db);
		throw unavailable("EMAIL_PROVIDER=console is refused outside development and test");
	}
	if (env.EMAIL_PROVIDER === "http") {
		if (!env.EMAIL_HTTP_URL || !env.EMAIL_HTTP_TOKEN)
			throw unavailable("EMAIL_HTTP_URL / EMAIL_HTTP_TOKEN missing");
		return new HttpEmailProvider(
			{ url: env.EMAIL_HTTP_URL, token: env.EMAIL_HTTP_TOKEN, from: env.EMAIL_FROM ?? "hatch@localhost" },
			fetcher,
		);
	}
	throw unavailable(`unknown EMAIL_PROVIDER ${JSON.stringify(env.EMAIL_PROVIDER)}`);
}

function unavailable(why: string) {
	return new ApiError("EMAIL_UNAVAILABLE", "Email delivery is not available", {
		status: 503,
		details: { why },
	});
}

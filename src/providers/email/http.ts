import type { EmailMessage, EmailProvider } from "./types";

export type HttpEmailConfig = { url: string; token: string; from: string };

/**
 * A generic JSON email API (the shape Resend, Postmark-style and most
 * transactional APIs accept): `POST url` with `Authorization: Bearer token`
 * and `{from, to, subject, text}`. A non-2xx answer is an error.
 *
 * @example await new HttpEmailProvider({ url, token, from }).send({ to, subject, text });
 */
export class HttpEmailProvider implements EmailProvider {
	constructor(
		private readonly config: HttpEmailConfig,
		private readonly fetcher: typeof fetch = fetch,
	) {}

	async send(message: EmailMessage): Promise<void> {
		const res = await this.fetcher(this.config.url, {
			method: "POST",
			headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.config.token}` },
			body: JSON.stringify({
				from: this.config.from,
				to: [message.to],
				subject: message.subject,
				text: message.text,
			}),
			signal: AbortSignal.timeout(10_000),
		});
		if (!res.ok) throw new Error(`Email API answered ${res.status}`);
	}
}

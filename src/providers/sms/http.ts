import type { SmsProvider } from "./types";

export type HttpSmsConfig = { url: string; token: string; from?: string };

/**
 * A generic JSON SMS gateway: `POST url` with `Authorization: Bearer token`
 * and `{to, from, text}`. Most gateways (or a tiny adapter Worker in front
 * of one) accept this shape. A non-2xx answer is an error.
 *
 * @example await new HttpSmsProvider({ url, token }).send("+15551234567", "hi");
 */
export class HttpSmsProvider implements SmsProvider {
	constructor(
		private readonly config: HttpSmsConfig,
		private readonly fetcher: typeof fetch = fetch,
	) {}

	async send(to: string, text: string): Promise<void> {
		const res = await this.fetcher(this.config.url, {
			method: "POST",
			headers: { "Content-Type": "application/json", Authorization: `Bearer ${this.config.token}` },
			body: JSON.stringify({ to, from: this.config.from ?? "Hatch", text }),
			signal: AbortSignal.timeout(10_000),
		});
		if (!res.ok) throw new Error(`SMS gateway answered ${res.status}`);
	}
}

/**
 * A name's addresses as the Worker can learn them: Workers have no resolver
 * API, so ask DNS over HTTPS (Cloudflare's JSON API) for A and AAAA records.
 * Used to judge a push endpoint's addresses just before sending to it.
 *
 * @example await dohResolve()("fcm.googleapis.com") // ["142.250.…", "2a00:…"]
 */
import type { Resolve } from "./endpoint-policy";

const DOH_URL = "https://cloudflare-dns.com/dns-query";
const RECORD_TYPES = { A: 1, AAAA: 28 } as const;

type DohAnswer = { Answer?: { type: number; data: string }[]; Status?: number };

/** A {@link Resolve} over DNS over HTTPS; rejects when the resolver itself fails. */
export function dohResolve(fetcher: typeof fetch = fetch, timeoutMs = 2000): Resolve {
	return async (name) => {
		const answers = await Promise.all(
			Object.entries(RECORD_TYPES).map(async ([type, code]) => {
				const res = await fetcher(`${DOH_URL}?name=${encodeURIComponent(name)}&type=${type}`, {
					headers: { accept: "application/dns-json" },
					redirect: "manual",
					signal: AbortSignal.timeout(timeoutMs),
				});
				if (!res.ok) throw new Error(`DNS over HTTPS answered ${res.status}`);
				const body = (await res.json()) as DohAnswer;
				// CNAME records come along in the answer: only the addresses they lead to count.
				return (body.Answer ?? []).filter((a) => a.type === code).map((a) => a.data);
			}),
		);
		return answers.flat();
	};
}

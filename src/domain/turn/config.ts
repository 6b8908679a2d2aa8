import { cloudflareTurnProvider } from "./cloudflare";
import { coturnProvider } from "./coturn";
import { TurnError, type TurnProvider } from "./types";

/** The configuration this module reads; a subset of `Env`, so tests can pass plain objects. */
export type TurnEnv = {
	TURN_PROVIDER?: string;
	TURN_URLS?: string;
	TURN_SECRET?: string;
	TURN_TTL_S?: string;
	CF_TURN_KEY_ID?: string;
	CF_TURN_API_TOKEN?: string;
};

export const DEFAULT_TURN_TTL_S = 86_400;

/**
 * Builds the configured provider. `TURN_PROVIDER` is `coturn` (shared-secret
 * TURN REST scheme, ICE servers from `TURN_URLS`) or `cloudflare` (Realtime
 * TURN credential API, ICE servers from Cloudflare). Missing settings throw
 * `TurnError("not_configured")` at use, not at startup, so a deployment
 * without calls still serves everything else.
 *
 * @example const creds = await createTurnProvider(env).issue(userId);
 */
export function createTurnProvider(env: TurnEnv, deps: { fetch?: typeof fetch } = {}): TurnProvider {
	const ttlS = parseTtl(env.TURN_TTL_S);
	const provider = (env.TURN_PROVIDER ?? "coturn").trim().toLowerCase();
	if (provider === "coturn") {
		const urls = parseIceUrls(env.TURN_URLS ?? "");
		if (!env.TURN_SECRET) throw new TurnError("not_configured", "TURN_SECRET is not set");
		if (!urls.some((u) => u.startsWith("turn"))) {
			throw new TurnError("not_configured", "TURN_URLS lists no turn: or turns: server");
		}
		return coturnProvider({ secret: env.TURN_SECRET, urls, ttlS });
	}
	if (provider === "cloudflare") {
		if (!env.CF_TURN_KEY_ID || !env.CF_TURN_API_TOKEN) {
			throw new TurnError("not_configured", "CF_TURN_KEY_ID and CF_TURN_API_TOKEN must be set");
		}
		return cloudflareTurnProvider({
			keyId: env.CF_TURN_KEY_ID,
			apiToken: env.CF_TURN_API_TOKEN,
			ttlS,
			fetch: deps.fetch,
		});
	}
	throw new TurnError("not_configured", `Unknown TURN_PROVIDER ${JSON.stringify(provider)}`);
}

/**
 * Splits `TURN_URLS` (comma or whitespace separated) and keeps only ICE URIs
 * (RFC 7064/7065 schemes), so a typo cannot hand clients a random string.
 *
 * @example parseIceUrls("stun:a:3478, turn:a:3478?transport=udp") // ["stun:a:3478", "turn:a:3478?transport=udp"]
 */
export function parseIceUrls(raw: string): string[] {
	return raw
		.split(/[\s,]+/)
		.map((u) => u.trim())
		.filter((u) => /^(stun|stuns|turn|turns):[^\s]+$/i.test(u));
}

function parseTtl(raw: string | undefined): number {
	const n = Number(raw);
	return raw && Number.isFinite(n) && n > 0 ? Math.floor(n) : DEFAULT_TURN_TTL_S;
}

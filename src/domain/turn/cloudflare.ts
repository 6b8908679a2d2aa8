import { z } from "zod";
import {
	type IceServer,
	TURN_TTL_MAX_S,
	TURN_TTL_MIN_S,
	type TurnCredentials,
	TurnError,
	type TurnProvider,
} from "./types";

export const CLOUDFLARE_TURN_API = "https://rtc.live.cloudflare.com/v1/turn/keys";

// Only what we use is checked; Cloudflare may add fields.
const CloudflareIceServers = z.object({
	iceServers: z
		.array(
			z.object({
				urls: z.union([z.string(), z.array(z.string())]),
				username: z.string().optional(),
				credential: z.string().optional(),
			}),
		)
		.min(1),
});

/**
 * Cloudflare Realtime TURN: a long-lived TURN key (id + API token, both
 * server-side) is exchanged for short-lived credentials with
 * `POST /v1/turn/keys/<key id>/credentials/generate-ice-servers {ttl}`.
 * URLs on port 53 are dropped because browsers refuse that port and the
 * attempt only slows ICE gathering (Cloudflare's docs say to filter them).
 *
 * @example const turn = cloudflareTurnProvider({ keyId, apiToken, ttlS: 86400 });
 */
export function cloudflareTurnProvider(opts: {
	keyId: string;
	apiToken: string;
	ttlS: number;
	fetch?: typeof fetch;
	timeoutMs?: number;
}): TurnProvider {
	const ttlS = Math.min(TURN_TTL_MAX_S, Math.max(TURN_TTL_MIN_S, Math.floor(opts.ttlS)));
	const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
	const url = `${CLOUDFLARE_TURN_API}/${encodeURIComponent(opts.keyId)}/credentials/generate-ice-servers`;
	return {
		name: "cloudflare",
		async issue(_userId, { now = Date.now() } = {}): Promise<TurnCredentials> {
			let res: Response;
			try {
				res = await doFetch(url, {
					method: "POST",
					headers: { Authorization: `Bearer ${opts.apiToken}`, "Content-Type": "application/json" },
					body: JSON.stringify({ ttl: ttlS }),
					signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
				});
			} catch (err) {
				throw new TurnError("upstream", `Cloudflare TURN unreachable: ${String(err)}`);
			}
			if (!res.ok) {
				// The body may echo request details; keep only the status in the error.
				await res.body?.cancel();
				throw new TurnError("upstream", `Cloudflare TURN answered ${res.status}`);
			}
			const parsed = CloudflareIceServers.safeParse(await res.json().catch(() => null));
			if (!parsed.success) throw new TurnError("upstream", "Cloudflare TURN answered an unexpected body");
			const iceServers: IceServer[] = [];
			for (const s of parsed.data.iceServers) {
				const urls = (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => !usesPort53(u));
				if (!urls.length) continue;
				iceServers.push({
					urls,
					...(s.username !== undefined ? { username: s.username } : {}),
					...(s.credential !== undefined ? { credential: s.credential } : {}),
				});
			}
			const login = iceServers.find((s) => s.username && s.credential);
			if (!login?.username || !login.credential) {
				throw new TurnError("upstream", "Cloudflare TURN answered no credentials");
			}
			return {
				provider: "cloudflare",
				iceServers,
				username: login.username,
				credential: login.credential,
				ttlS,
				expiresAt: now + ttlS * 1000,
			};
		},
	};
}

/** `turn:host:53?transport=udp`, `stun:host:53`: the port browsers block. */
function usesPort53(url: string): boolean {
	return /^[a-z]+:(\[[^\]]+\]|[^:?]+):53(\?|$)/i.test(url);
}

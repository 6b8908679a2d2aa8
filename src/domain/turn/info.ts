import type { TurnServerInfo } from "@hatch/contract/call-frames";
import type { TurnCredentials } from "./types";

/**
 * The wire form of a TURN lease, shared by `POST /v1/turn/credentials`,
 * `call.lock_turn` and the `turn_server` inside `call.offer`.
 *
 * @example ws.send(JSON.stringify({ type: "call.turn_server", ...turnServerInfo(creds) }));
 */
export function turnServerInfo(c: TurnCredentials): TurnServerInfo {
	return {
		ice_servers: c.iceServers.map((s) => ({ ...s, urls: [...s.urls] })),
		username: c.username,
		credential: c.credential,
		credential_type: "password",
		ttl_s: c.ttlS,
		expires_at: c.expiresAt,
	};
}

/**
 * Host, port and transport of the first TURN URL, for clients that want one
 * server rather than a list (the Egg seed's `s2c_turn_server` has
 * `adress`/`port`).
 *
 * @example primaryTurnEndpoint(info) // { host: "turn.example.com", port: 3478, transport: "udp", secure: false }
 */
export function primaryTurnEndpoint(
	info: Pick<TurnServerInfo, "ice_servers">,
): { host: string; port: number; transport: "udp" | "tcp"; secure: boolean } | null {
	for (const s of info.ice_servers) {
		for (const url of s.urls) {
			const m = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(url);
			if (!m?.[1] || !m[2]) continue;
			const secure = m[1].toLowerCase() === "turns";
			return {
				host: m[2].replace(/^\[|\]$/g, ""),
				port: m[3] ? Number(m[3]) : secure ? 5349 : 3478,
				transport: (m[4]?.toLowerCase() as "udp" | "tcp" | undefined) ?? (secure ? "tcp" : "udp"),
				secure,
			};
		}
	}
	return null;
}

/**
 * One entry of `RTCConfiguration.iceServers`, in the shape browsers and
 * mobile WebRTC stacks take as is.
 */
export type IceServer = { urls: string[]; username?: string; credential?: string };

/**
 * Short-lived TURN credentials plus the full ICE server list to use them
 * with. `username`/`credential` are repeated at the top for clients (such as
 * the Egg seed's `s2c_turn_server`) that want one TURN login.
 */
export type TurnCredentials = {
	provider: TurnProviderName;
	iceServers: IceServer[];
	username: string;
	credential: string;
	/** Lifetime the credentials were minted with, seconds. */
	ttlS: number;
	/** Unix ms after which the TURN server refuses them. */
	expiresAt: number;
};

export type TurnProviderName = "coturn" | "cloudflare";

/**
 * Where TURN credentials come from. Both providers answer the same way, so
 * the call signalling and the REST route never know which one is configured.
 *
 * @example const creds = await provider.issue(userId);
 */
export interface TurnProvider {
	readonly name: TurnProviderName;
	issue(userId: string, opts?: { now?: number }): Promise<TurnCredentials>;
}

/** Why credentials could not be issued; routes map it to 503/502, frames to 503. */
export class TurnError extends Error {
	constructor(
		readonly kind: "not_configured" | "upstream",
		message: string,
	) {
		super(message);
		this.name = "TurnError";
	}
}

/** Bounds every provider honours: Cloudflare refuses more than 48 hours. */
export const TURN_TTL_MIN_S = 60;
export const TURN_TTL_MAX_S = 172_800;

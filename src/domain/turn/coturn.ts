import {
	type IceServer,
	TURN_TTL_MAX_S,
	TURN_TTL_MIN_S,
	type TurnCredentials,
	type TurnProvider,
} from "./types";

/**
 * The "TURN REST API" scheme (draft-uberti-behave-turn-rest-00) that coturn
 * implements with `use-auth-secret` + `static-auth-secret`: the username is
 * `<unix expiry>:<user id>` and the password is
 * base64(HMAC-SHA1(shared secret, username)). The TURN server recomputes the
 * HMAC and checks the expiry itself, so nothing is stored or called here.
 * Pure WebCrypto: runs the same in workerd and in Node (the real-TURN test).
 *
 * @example
 * const { username, credential } = await mintTurnRestCredentials({ secret, userId: "u1", ttlS: 3600 });
 * // username "1767229200:u1"
 */
export async function mintTurnRestCredentials(input: {
	secret: string;
	userId: string;
	ttlS: number;
	now?: number;
}): Promise<{ username: string; credential: string; expiresAt: number }> {
	if (!input.secret) throw new Error("TURN shared secret is empty");
	// ':' separates expiry from user in coturn; a user id containing one would shift the parse.
	if (!input.userId || input.userId.includes(":"))
		throw new Error("TURN user id must be non-empty without ':'");
	const expiryS = Math.floor((input.now ?? Date.now()) / 1000) + Math.floor(input.ttlS);
	const username = `${expiryS}:${input.userId}`;
	return { username, credential: await hmacSha1Base64(input.secret, username), expiresAt: expiryS * 1000 };
}

/** base64(HMAC-SHA1(key, message)), the password coturn expects. */
export async function hmacSha1Base64(key: string, message: string): Promise<string> {
	const enc = new TextEncoder();
	const k = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-1" }, false, [
		"sign",
	]);
	const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(message)));
	let s = "";
	for (const b of mac) s += String.fromCharCode(b);
	return btoa(s);
}

/**
 * A provider for coturn (or any server with the same shared-secret scheme:
 * eturnal, Pion, rfc5766-turn-server). `urls` is the configured ICE server
 * list; `turn:`/`turns:` entries get the credentials, `stun:` entries do not
 * need any.
 *
 * @example const turn = coturnProvider({ secret: env.TURN_SECRET, urls: ["turn:turn.example.com:3478"], ttlS: 86400 });
 */
export function coturnProvider(opts: { secret: string; urls: string[]; ttlS: number }): TurnProvider {
	const ttlS = Math.min(TURN_TTL_MAX_S, Math.max(TURN_TTL_MIN_S, Math.floor(opts.ttlS)));
	const stun = opts.urls.filter((u) => u.startsWith("stun:") || u.startsWith("stuns:"));
	const turn = opts.urls.filter((u) => u.startsWith("turn:") || u.startsWith("turns:"));
	return {
		name: "coturn",
		async issue(userId, { now = Date.now() } = {}): Promise<TurnCredentials> {
			const { username, credential, expiresAt } = await mintTurnRestCredentials({
				secret: opts.secret,
				userId,
				ttlS,
				now,
			});
			const iceServers: IceServer[] = [];
			if (stun.length) iceServers.push({ urls: stun });
			if (turn.length) iceServers.push({ urls: turn, username, credential });
			return { provider: "coturn", iceServers, username, credential, ttlS, expiresAt };
		},
	};
}

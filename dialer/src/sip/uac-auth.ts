/**
 * Digest authentication for a UAC's requests (RFC 2617 / RFC 8760): picking
 * the challenge out of a 401/407 and building the header that answers it.
 */
import { authorization, type Challenge, pickChallenge } from "./digest.ts";
import type { Header, SipRequest, SipResponse } from "./message.ts";

/** The credentials a trunk authenticates with. */
export interface TrunkCredentials {
	username?: string;
	password?: string;
	authUsername?: string;
}

/** A 401/407's challenge, answered for `method` and `uri` with nonce count `nc`. */
export interface DigestAnswer {
	header: Header;
	/** The challenge said the earlier nonce went stale (a second round makes sense). */
	stale: boolean;
}

/**
 * Nonce counts of one call. `nc` counts the requests sent with one nonce
 * (RFC 2617 §3.2.2), so it starts at 00000001 for each fresh nonce and counts
 * on while the same nonce is reused (a challenged BYE after the INVITE's).
 * @example const c = new NonceCounter(); c.next("r", "n1"); c.next("r", "n1"); c.next("r", "n2") // 1, 2, 1
 */
export class NonceCounter {
	private counts = new Map<string, number>();

	/** The nc of the next request answering `nonce` of `realm`. */
	next(realm: string, nonce: string): number {
		const key = `${realm}\n${nonce}`;
		const n = (this.counts.get(key) ?? 0) + 1;
		// A call sees one or two nonces; a far end that keeps minting them must not grow this.
		if (n === 1 && this.counts.size >= 8) this.counts.delete(this.counts.keys().next().value ?? "");
		this.counts.set(key, n);
		return n;
	}
}

/** The challenge of a 401/407 we would answer, if any. */
export function challengeOf(res: SipResponse): Challenge | undefined {
	return pickChallenge(challengeValues(res, res.status === 401 ? "www-authenticate" : "proxy-authenticate"));
}

/**
 * The Authorization (401) or Proxy-Authorization (407) header answering `res`,
 * or undefined when the trunk has no credentials or no challenge can be used.
 * `nc` is a fixed nonce count, or the call's {@link NonceCounter}.
 * @example answerChallenge(res, trunk, "INVITE", "sip:1555@gw", nonces)?.header // ["authorization", "Digest ..."]
 */
export function answerChallenge(
	res: SipResponse,
	trunk: TrunkCredentials,
	method: string,
	uri: string,
	nc: number | NonceCounter,
): DigestAnswer | undefined {
	const username = trunk.authUsername ?? trunk.username;
	if (!username || trunk.password === undefined) return undefined;
	const challenge = challengeOf(res);
	if (!challenge) return undefined;
	const count = typeof nc === "number" ? nc : nc.next(challenge.realm, challenge.nonce);
	const value = authorization(challenge, { username, password: trunk.password }, method, uri, count);
	return {
		header: [res.status === 401 ? "authorization" : "proxy-authorization", value],
		stale: challenge.stale,
	};
}

/**
 * `req` again with `auth` in place of any earlier credentials, a fresh Via
 * (`via`) and CSeq `seq`: a new transaction for the challenged request.
 */
export function reauthorized(req: SipRequest, auth: Header, via: string, seq: number): SipRequest {
	const headers: Header[] = req.headers
		.filter((h) => h[0] !== "authorization" && h[0] !== "proxy-authorization")
		.map(
			(h): Header => (h[0] === "via" ? ["via", via] : h[0] === "cseq" ? ["cseq", `${seq} ${req.method}`] : h),
		);
	headers.push(auth);
	return { ...req, headers };
}

function challengeValues(res: SipResponse, name: string): string[] {
	// Challenges contain commas inside their own parameter lists: never split them.
	return res.headers.filter((h) => h[0] === name).map((h) => h[1]);
}

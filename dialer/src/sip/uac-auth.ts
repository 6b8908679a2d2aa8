/**
 * Digest authentication for a UAC's requests (RFC 2617 / RFC 8760): picking
 * the challenge out of a 401/407 and building the header that answers it.
 */
import { authorization, pickChallenge } from "./digest.ts";
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
 * The Authorization (401) or Proxy-Authorization (407) header answering `res`,
 * or undefined when the trunk has no credentials or no challenge can be used.
 * @example answerChallenge(res, trunk, "INVITE", "sip:1555@gw", 1)?.header // ["authorization", "Digest ..."]
 */
export function answerChallenge(
	res: SipResponse,
	trunk: TrunkCredentials,
	method: string,
	uri: string,
	nc: number,
): DigestAnswer | undefined {
	const username = trunk.authUsername ?? trunk.username;
	if (!username || trunk.password === undefined) return undefined;
	const challenge = pickChallenge(
		challengeValues(res, res.status === 401 ? "www-authenticate" : "proxy-authenticate"),
	);
	if (!challenge) return undefined;
	const value = authorization(challenge, { username, password: trunk.password }, method, uri, nc);
	return {
		header: [res.status === 401 ? "authorization" : "proxy-authorization", value],
		stale: Boolean(challenge.stale),
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

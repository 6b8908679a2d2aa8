/**
 * What a call's `reason` may tell a user. A socket's error text
 * (`connect ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND db.internal`)
 * says which internal ports are open and which names exist, which would make
 * a trunk's test call a port scanner; such a reason is reported as the fixed
 * {@link UNREACHABLE_REASON}, its text kept in the dialer's logs. The dialer
 * emits the fixed phrase itself; the schema applies this again to every
 * event and call view it reads, so no receiver stores one that slipped by.
 *
 * @example publicReason("connect ECONNREFUSED 127.0.0.1:1") // "gateway unreachable"
 * @example publicReason("Busy Here") // "Busy Here"
 */

/** The reason of a call whose gateway could not be reached at all. */
export const UNREACHABLE_REASON = "gateway unreachable";

/** Node's (libuv's) socket and resolver error codes, and the phrases its errors use. */
const SOCKET_ERROR =
	/\b(?:E(?:CONN(?:REFUSED|RESET|ABORTED)|HOST(?:UNREACH|DOWN)|NET(?:UNREACH|DOWN|RESET)|TIMEDOUT|PIPE|NOTFOUND|ADDR(?:NOTAVAIL|INUSE)|ACCES|PERM|PROTO|MSGSIZE|AI_[A-Z]+)|getaddrinfo|socket hang up)\b/;

/** `reason`, or {@link UNREACHABLE_REASON} when it is a socket's error text. */
export function publicReason(reason: string): string {
	return SOCKET_ERROR.test(reason) ? UNREACHABLE_REASON : reason;
}

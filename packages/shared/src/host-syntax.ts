/**
 * What a gateway host may look like, the one rule the Worker (at POST/PATCH
 * /v1/sip-trunks) and the dialer (POST /calls) both apply: a DNS name of at
 * least two RFC 1123 labels whose last label starts with a letter (every real
 * top-level domain does), a canonical IPv4 dotted quad (no leading zeros), or
 * an IPv6 literal (bare or in brackets).
 *
 * Why so strict: the C library (`getaddrinfo`, `inet_aton`) reads `2130706433`,
 * `127.1`, `0x7f000001`, `012.0.0.1` and `169.254.43518` as addresses, while a
 * deny list that parses only dotted quads takes them for names. A host that is
 * neither a name nor a canonical address is refused, so no spelling can mean
 * one address to the policy and another to the resolver.
 *
 * @example hostSyntax("sip.example.com") // "name"
 * @example hostSyntax("127.1") // null: an address in disguise
 */
import { parseIp } from "./host-policy.ts";

/** What kind of host a string is, once it passed. */
export type HostKind = "name" | "ipv4" | "ipv6";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const CANONICAL_V4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const TOP_LABEL = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const V6_CHARS = /^[0-9a-f:.]+$/i;

/** The kind of `host`, or null when it is none of the three allowed shapes. */
export function hostSyntax(host: string): HostKind | null {
	if (host.length === 0 || host.length > 253) return null;
	if (CANONICAL_V4.test(host)) return "ipv4";
	const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
	if (bare.includes(":")) return isIpv6(bare) ? "ipv6" : null;
	if (bare !== host) return null;
	const labels = host.split(".");
	if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
	return TOP_LABEL.test(labels[labels.length - 1] ?? "") ? "name" : null;
}

/** The same rule as a message for the user, or null when `host` passes. */
export function hostSyntaxProblem(host: string): string | null {
	if (hostSyntax(host)) return null;
	return (
		`${JSON.stringify(host.slice(0, 64))} is not a gateway host: write a DNS name such as sip.example.com, ` +
		"an IPv4 address as four decimal numbers without leading zeros (203.0.113.5), or an IPv6 address"
	);
}

/** An IPv6 literal whose embedded IPv4 tail, if any, is canonical too. */
function isIpv6(s: string): boolean {
	if (!V6_CHARS.test(s)) return false;
	const tail = s.slice(s.lastIndexOf(":") + 1);
	if (tail.includes(".") && !CANONICAL_V4.test(tail)) return false;
	return parseIp(s.toLowerCase())?.length === 16;
}

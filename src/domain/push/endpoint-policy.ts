/**
 * Where a Web Push may be sent. A `webpush` device names its own endpoint, so
 * without a rule a user could have the Worker POST to 169.254.169.254 or
 * 10.0.0.1:8443 whenever they get a message. The rule mirrors the trunk host's
 * (@hatch/shared/host-syntax and host-policy): an https URL on port 443, no
 * user info, whose host is a DNS name or a canonical IP literal that the full
 * production deny list allows. It is judged on the endpoint as written, not as
 * `new URL` rewrites it (`https://2130706433/` would become 127.0.0.1), so no
 * spelling of an address gets past it.
 *
 * At send time the name is resolved and every address judged again
 * ({@link resolvedEndpointProblem}), so an endpoint whose name later points
 * inside is dropped.
 *
 * @example endpointProblem("https://fcm.googleapis.com/fcm/send/x") // null
 * @example endpointProblem("https://0xa9fea9fe/")?.code // "PUSH_ENDPOINT_INVALID"
 */
import { DEFAULT_HOST_DENY, isHostDenied, isIpLiteral } from "@hatch/shared/host-policy";
import { hostSyntax } from "@hatch/shared/host-syntax";

/** Push services are public: no deployment needs a private one, so the full list always applies. */
export const PUSH_HOST_DENY = DEFAULT_HOST_DENY;

export type EndpointProblem = {
	code: "PUSH_ENDPOINT_INVALID" | "PUSH_ENDPOINT_DENIED";
	message: string;
};

/** Resolves a name to its IPv4 and IPv6 addresses (DNS over HTTPS in the Worker, injected in tests). */
export type Resolve = (name: string) => Promise<string[]>;

const AUTHORITY = /^https:\/\/([^/?#]*)(?:[/?#]|$)/i;

/** What is wrong with `endpoint` as a push destination, or null when it may be used. */
export function endpointProblem(endpoint: string, deny: string = PUSH_HOST_DENY): EndpointProblem | null {
	const invalid = (why: string): EndpointProblem => ({
		code: "PUSH_ENDPOINT_INVALID",
		message: `The push endpoint ${why}`,
	});
	// The URL parser drops tabs and newlines and reads "\" as "/": refuse them rather than guess.
	// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
	if (endpoint.length > 2048 || /[\s\\\u0000-\u001f\u007f]/.test(endpoint))
		return invalid("is not a plain URL");
	const authority = AUTHORITY.exec(endpoint)?.[1];
	if (authority === undefined) return invalid("must be an https URL");
	if (authority.includes("@")) return invalid("must not carry user info");
	const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
	const host = m?.[1] ?? "";
	if (m?.[2] !== undefined && m[2] !== "" && m[2] !== "443") return invalid("must use port 443");
	if (!hostSyntax(host))
		return invalid("host must be a DNS name or an IP address written canonically (no 127.1, 2130706433 …)");
	let url: URL;
	try {
		url = new URL(endpoint);
	} catch {
		return invalid("is not a URL");
	}
	const rule = isHostDenied(host, deny) ?? isHostDenied(url.hostname, deny);
	return rule
		? { code: "PUSH_ENDPOINT_DENIED", message: `The push endpoint's host is not allowed (${rule} addresses)` }
		: null;
}

/**
 * {@link endpointProblem}, then, for a name, every address `resolve` gives
 * judged by the same deny list. `unresolved` when the name gave nothing (try
 * again later), a problem when it may never be used.
 * @example await resolvedEndpointProblem("https://push.example.net/x", async () => ["10.0.0.1"])
 *   // { code: "PUSH_ENDPOINT_DENIED", … }
 */
export async function resolvedEndpointProblem(
	endpoint: string,
	resolve: Resolve,
	deny: string = PUSH_HOST_DENY,
): Promise<EndpointProblem | "unresolved" | null> {
	const problem = endpointProblem(endpoint, deny);
	if (problem) return problem;
	const host = new URL(endpoint).hostname;
	if (isIpLiteral(host)) return null;
	let addresses: string[];
	try {
		addresses = await resolve(host);
	} catch {
		return "unresolved";
	}
	if (addresses.length === 0) return "unresolved";
	for (const a of addresses) {
		if (!isIpLiteral(a)) return { code: "PUSH_ENDPOINT_DENIED", message: "unreadable address" };
		const rule = isHostDenied(a, deny);
		if (rule) return { code: "PUSH_ENDPOINT_DENIED", message: `${host} resolves to a ${rule} address` };
	}
	return null;
}

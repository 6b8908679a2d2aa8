/**
 * The one gate every SIP destination passes before anything is sent to it:
 * the trunk's host, and each next hop a far end names (Contact, Record-Route).
 * A name is resolved here, once, by the dialer itself, every address it gave
 * is judged by the call's deny list, and the endpoint that comes out carries
 * the address that was judged: the transport sends to that address and never
 * looks a name up again, so a name that answers a public address to the check
 * and a private one to the send (DNS rebinding) cannot move a packet.
 */
import dns from "node:dns";
import net from "node:net";
import { DEFAULT_HOST_DENY, isHostDenied, isIpLiteral } from "@hatch/shared/host-policy";
import { hostSyntax } from "@hatch/shared/host-syntax";
import type { Endpoint, TransportName } from "./transport.ts";

/** Resolves a name to its addresses (dns.lookup in production, injected in tests). */
export type Lookup = (host: string, family: 0 | 4) => Promise<string[]>;

/** The system resolver (getaddrinfo through libuv). */
export const systemLookup: Lookup = async (host, family) =>
	(await dns.promises.lookup(host, { all: true, family })).map((a) => a.address);

/** Never a destination, whatever the deny list says: 0.0.0.0/8 reaches this host on Linux. */
const ALWAYS_DENIED = "multicast,reserved";

/** The longest a destination's lookup may take before it counts as unresolvable. */
export const LOOKUP_TIMEOUT_MS = 2000;

/** Why a destination was refused: `reason` is a fixed phrase safe to report, `detail` is for logs. */
export class DestinationRefused extends Error {
	readonly reason: "gateway address not allowed" | "gateway name did not resolve" | "gateway host invalid";
	readonly detail: string;
	constructor(reason: DestinationRefused["reason"], detail: string) {
		super(`${reason}: ${detail}`);
		this.reason = reason;
		this.detail = detail;
	}
}

/**
 * Why `address` may not be sent to over `transport` under the deny list
 * `deny`, or undefined when it may.
 * @example refusal("169.254.169.254", "udp", "private,link-local") // "link-local address 169.254.169.254"
 */
export function refusal(address: string, transport: TransportName, deny: string): string | undefined {
	// What the policy cannot read (a zone id: fe80::1%eth0) it cannot allow.
	if (net.isIP(address) === 0 || !isIpLiteral(address)) return `unreadable address ${address.slice(0, 64)}`;
	// The SIP UDP socket is IPv4.
	if (net.isIP(address) === 6 && transport === "udp") return `IPv6 address ${address} over UDP`;
	const rule = isHostDenied(address, deny) ?? isHostDenied(address, ALWAYS_DENIED);
	return rule ? `${rule} address ${address}` : undefined;
}

/**
 * `host:port` over `transport` as an endpoint we may send to: at once for an IP
 * literal, else after one lookup (bounded by {@link LOOKUP_TIMEOUT_MS}) whose
 * every address must pass, as one that does not may be what the next lookup
 * answers. The endpoint's `host` is the judged address; `name` keeps the name
 * (TLS checks the certificate against it).
 * @throws DestinationRefused (synchronously for a literal, as a rejection for a name)
 * @example await resolveDestination("sip.example.com", 5060, "udp", "private,loopback", lookup)
 *   // { host: "203.0.113.5", port: 5060, transport: "udp", name: "sip.example.com" }
 */
export function resolveDestination(
	host: string,
	port: number,
	transport: TransportName,
	deny: string | undefined,
	lookup: Lookup = systemLookup,
): Endpoint | Promise<Endpoint> {
	const policy = deny ?? DEFAULT_HOST_DENY;
	const kind = hostSyntax(host);
	if (!kind) throw new DestinationRefused("gateway host invalid", host.slice(0, 64));
	if (kind !== "name") {
		const address = host.replace(/^\[(.*)\]$/, "$1");
		const refused = refusal(address, transport, policy);
		if (refused) throw new DestinationRefused("gateway address not allowed", refused);
		return { host: address, port, transport };
	}
	return bounded(lookup(host, transport === "udp" ? 4 : 0), host).then((addresses) => {
		const address = addresses[0];
		if (!address) throw new DestinationRefused("gateway name did not resolve", `${host}: no address`);
		for (const a of addresses) {
			const refused = refusal(a, transport, policy);
			if (refused) throw new DestinationRefused("gateway address not allowed", `${host} → ${refused}`);
		}
		return { host: address, port, transport, name: host };
	});
}

/**
 * {@link resolveDestination}, with the outcome delivered to `ready` or
 * `refused`: at once for a literal that passes, on a later tick otherwise (a
 * refusal never runs inside the caller's own stack).
 * @example whenResolved(trunk.host, 5060, "udp", deny, lookup, (ep) => send(ep), (r) => fail(r.reason))
 */
export function whenResolved(
	host: string,
	port: number,
	transport: TransportName,
	deny: string | undefined,
	lookup: Lookup,
	ready: (dest: Endpoint) => void,
	refused: (why: DestinationRefused) => void,
): void {
	const refuse = (err: unknown) =>
		refused(
			err instanceof DestinationRefused
				? err
				: new DestinationRefused("gateway name did not resolve", String((err as Error)?.message)),
		);
	let dest: Endpoint | Promise<Endpoint>;
	try {
		dest = resolveDestination(host, port, transport, deny, lookup);
	} catch (err) {
		queueMicrotask(() => refuse(err));
		return;
	}
	if (dest instanceof Promise) dest.then(ready, refuse);
	else ready(dest);
}

function bounded(lookup: Promise<string[]>, host: string): Promise<string[]> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(
			() => reject(new DestinationRefused("gateway name did not resolve", `${host}: lookup timed out`)),
			LOOKUP_TIMEOUT_MS,
		);
		timer.unref?.();
	});
	const attempt = lookup.catch((err: Error) => {
		if (err instanceof DestinationRefused) throw err;
		throw new DestinationRefused("gateway name did not resolve", `${host}: ${err.message}`);
	});
	return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Where a dialog's in-dialog requests (the ACK for a 2xx, BYE) go: the first
 * Route entry when the route set is non-empty, else the remote target (the 2xx's
 * Contact), RFC 3261 §12.2.1.1 and §8.1.2. The choice is pure; resolving a
 * hostname is a separate, injectable step that falls back to the trunk.
 */

import dns from "node:dns";
import net from "node:net";
import { isHostDenied } from "@hatch/shared/host-policy";
import type { Logger } from "../log.ts";
import { parseNameAddr, uriHostPort } from "./fields.ts";
import type { Endpoint, TransportName } from "./transport.ts";

/** The next hop before any DNS: the trunk itself, an address, or a name to look up. */
export type HopChoice =
	/** `why` says what was wrong with the far end's choice; none when it named the trunk. */
	| { kind: "trunk"; why?: string }
	| { kind: "address"; endpoint: Endpoint }
	| { kind: "lookup"; host: string; port: number; transport: TransportName };

/**
 * Choose the next hop of a dialog from its route set (Record-Route, reversed)
 * and remote target, for a call placed through `trunk`.
 * @example chooseNextHop([], "sip:far@198.51.100.7:5070", trunk)
 *   // { kind: "address", endpoint: { host: "198.51.100.7", port: 5070, transport: "udp" } }
 */
export function chooseNextHop(
	routeSet: string[],
	remoteTarget: string | undefined,
	trunk: Endpoint,
): HopChoice {
	const uri = routeSet.length > 0 ? parseNameAddr(routeSet[0])?.uri : remoteTarget;
	const hp = uri ? uriHostPort(uri) : undefined;
	if (!uri || !hp) return { kind: "trunk", why: "no usable next-hop URI" };
	const transport = transportOf(uri, hp.transport, trunk.transport);
	if (!transport) return { kind: "trunk", why: `unsupported transport ${hp.transport}` };
	const port = hp.port ?? (transport === "tls" ? 5061 : 5060);
	if (!Number.isInteger(port) || port < 1 || port > 65535) return { kind: "trunk", why: "bad port" };
	const host = hp.host.replace(/^\[(.*)\]$/, "$1");
	// Most gateways name themselves: keep the trunk's endpoint (and its TCP/TLS connection).
	if (host.toLowerCase() === trunk.host.toLowerCase() && port === trunk.port && transport === trunk.transport)
		return { kind: "trunk" };
	if (net.isIP(host) === 0) return { kind: "lookup", host, port, transport };
	const refused = refusal(host, transport, trunk.host);
	if (refused) return { kind: "trunk", why: refused };
	return { kind: "address", endpoint: { host, port, transport } };
}

function transportOf(
	uri: string,
	param: string | undefined,
	trunk: TransportName,
): TransportName | undefined {
	if (/^sips:/i.test(uri)) return "tls";
	if (param === undefined) return trunk; // the transport the gateway already talks to us on
	const t = param.toLowerCase();
	return t === "udp" || t === "tcp" || t === "tls" ? t : undefined;
}

/**
 * Why an address may not be a next hop, or undefined when it may. The far end
 * writes Contact and Record-Route, so a hostile gateway must not turn our BYEs
 * at addresses the trunk itself is not among (metadata service, our own host,
 * a private network): only public unicast, or the trunk's own kind of address.
 */
export function refusal(address: string, transport: TransportName, trunkHost: string): string | undefined {
	// The SIP UDP socket is IPv4.
	if (net.isIP(address) === 6 && transport === "udp") return "IPv6 next hop over UDP";
	// The same ranges the Worker refuses for a trunk (every non-public one, IPv6 forms and
	// IPv4-mapped addresses included), judged on the address a name resolved to.
	const rule = isHostDenied(address);
	if (!rule) return undefined;
	// A gateway on a private network (or sipp on loopback) may name its own kind of address;
	// multicast and reserved ranges are never a next hop.
	const ownKind = net.isIP(trunkHost) !== 0 && isHostDenied(trunkHost) === rule;
	if (ownKind && rule !== "multicast" && rule !== "reserved") return undefined;
	return `${rule} next-hop address ${address}`;
}

/** Resolves a hostname to its addresses (dns.lookup in production). */
export type Lookup = (host: string, family: 0 | 4) => Promise<string[]>;

const systemLookup: Lookup = async (host, family) =>
	(await dns.promises.lookup(host, { all: true, family })).map((a) => a.address);

/** How long a next-hop lookup may hold up an ACK before we use the trunk. */
export const LOOKUP_TIMEOUT_MS = 2000;

/**
 * The endpoint for `choice`: at once when no DNS is needed, else a promise
 * that never rejects (a failed, slow or refused lookup gives the trunk, logged).
 * @example await resolveHop({ kind: "lookup", host: "edge.gw.example", port: 5060, transport: "udp" }, trunk, log)
 */
export function resolveHop(
	choice: HopChoice,
	trunk: Endpoint,
	log: Logger,
	lookup: Lookup = systemLookup,
): Endpoint | Promise<Endpoint> {
	if (choice.kind === "trunk") {
		if (choice.why) log.warn("sip next hop unusable, sending to the trunk", { why: choice.why });
		return trunk;
	}
	if (choice.kind === "address") {
		const ep = choice.endpoint;
		const sameService = ep.port === trunk.port && ep.transport === trunk.transport;
		// Over TCP/TLS the trunk's name and its address are two connections, and a TLS
		// certificate rarely names an IP: keep the trunk's when the address is the trunk's.
		if (ep.transport === "udp" || !sameService || net.isIP(trunk.host) !== 0) return ep;
		return bounded(ep.host, trunk, log, async () =>
			(await lookup(trunk.host, 0)).includes(ep.host) ? trunk : ep,
		);
	}
	const { host, port, transport } = choice;
	return bounded(host, trunk, log, async () => {
		const address = (await lookup(host, transport === "udp" ? 4 : 0))[0];
		if (!address) throw new Error("no address");
		const refused = refusal(address, transport, trunk.host);
		if (refused) throw new Error(refused);
		// TLS checks the certificate against the name, so only UDP/TCP send to the address.
		return { host: transport === "tls" ? host : address, port, transport };
	});
}

/** Run a lookup step under {@link LOOKUP_TIMEOUT_MS}; any failure gives the trunk, logged. */
function bounded(
	host: string,
	trunk: Endpoint,
	log: Logger,
	step: () => Promise<Endpoint>,
): Promise<Endpoint> {
	const fallback = (why: string): Endpoint => {
		log.warn("sip next hop unusable, sending to the trunk", { host, why });
		return trunk;
	};
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<Endpoint>((r) => {
		timer = setTimeout(() => r(fallback("lookup timed out")), LOOKUP_TIMEOUT_MS);
		timer.unref?.();
	});
	const attempt = step().catch((err: Error) => fallback(err.message));
	return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

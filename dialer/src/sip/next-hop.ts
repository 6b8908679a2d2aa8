/**
 * Where a dialog's in-dialog requests (the ACK for a 2xx, BYE) go: the first
 * Route entry when the route set is non-empty, else the remote target (the 2xx's
 * Contact), RFC 3261 §12.2.1.1 and §8.1.2. The choice is pure; a name goes
 * through destination.ts (resolved once, every address judged by the call's
 * deny list), and anything refused or unresolvable falls back to the trunk.
 */

import net from "node:net";
import type { Logger } from "../log.ts";
import { type Lookup, refusal, resolveDestination, systemLookup } from "./destination.ts";
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
 * and remote target, for a call placed through `trunk` (its resolved endpoint)
 * under the deny list `deny`.
 * @example chooseNextHop([], "sip:far@198.51.100.7:5070", trunk, "private,loopback")
 *   // { kind: "address", endpoint: { host: "198.51.100.7", port: 5070, transport: "udp" } }
 */
export function chooseNextHop(
	routeSet: string[],
	remoteTarget: string | undefined,
	trunk: Endpoint,
	deny: string,
): HopChoice {
	const uri = routeSet.length > 0 ? parseNameAddr(routeSet[0])?.uri : remoteTarget;
	const hp = uri ? uriHostPort(uri) : undefined;
	if (!uri || !hp) return { kind: "trunk", why: "no usable next-hop URI" };
	const transport = transportOf(uri, hp.transport, trunk.transport);
	if (!transport) return { kind: "trunk", why: `unsupported transport ${hp.transport}` };
	const port = hp.port ?? (transport === "tls" ? 5061 : 5060);
	if (!Number.isInteger(port) || port < 1 || port > 65535) return { kind: "trunk", why: "bad port" };
	const host = hp.host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
	// Most gateways name themselves (by the name we dialed or its address): keep the trunk's
	// endpoint, its TCP/TLS connection, and above all the address already judged for it.
	const sameHost = host === trunk.host.toLowerCase() || host === trunk.name?.toLowerCase();
	if (sameHost && port === trunk.port && transport === trunk.transport) return { kind: "trunk" };
	if (net.isIP(host) === 0) return { kind: "lookup", host, port, transport };
	const refused = refusal(host, transport, deny);
	if (refused) return { kind: "trunk", why: `next hop: ${refused}` };
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
 * The endpoint for `choice`: at once when no DNS is needed, else a promise
 * that never rejects (a failed, slow or refused lookup gives the trunk, logged).
 * @example await resolveHop({ kind: "lookup", host: "edge.gw.example", port: 5060, transport: "udp" }, trunk, log, deny)
 */
export function resolveHop(
	choice: HopChoice,
	trunk: Endpoint,
	log: Logger,
	deny: string,
	lookup: Lookup = systemLookup,
): Endpoint | Promise<Endpoint> {
	const fallback = (why: string, host?: string): Endpoint => {
		log.warn("sip next hop unusable, sending to the trunk", { host, why });
		return trunk;
	};
	if (choice.kind === "trunk") return choice.why ? fallback(choice.why) : trunk;
	if (choice.kind === "address") {
		const ep = choice.endpoint;
		// Over TCP/TLS the trunk's own address is the trunk's connection (and, for TLS, its name).
		const trunkItself = ep.transport !== "udp" && ep.host === trunk.host && ep.port === trunk.port;
		return trunkItself && ep.transport === trunk.transport ? trunk : ep;
	}
	try {
		const resolved = resolveDestination(choice.host, choice.port, choice.transport, deny, lookup);
		return Promise.resolve(resolved).catch((err: Error) => fallback(err.message, choice.host));
	} catch (err) {
		return fallback((err as Error).message, choice.host);
	}
}

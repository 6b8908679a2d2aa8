/**
 * The far end's side of a dialog our INVITE opened (RFC 3261 §12.1.2): its
 * tag, remote target and route set as a 2xx set them, where its requests go,
 * and how a request inside it is addressed (§12.2.1.1, loose and strict routing).
 */
import type { Logger } from "../log.ts";
import type { SipAgent } from "./agent.ts";
import { parseNameAddr, tagOf } from "./fields.ts";
import { header, headerValues, type SipRequest, type SipResponse } from "./message.ts";
import type { Endpoint } from "./transport.ts";

/** One dialog (one fork's 2xx) as the UAC keeps it. */
export interface RemoteDialog {
	/** The 2xx's To tag; undefined when a broken far end sent none. */
	readonly tag?: string;
	/** The remote target: the 2xx's Contact (our Request-URI when it has none). */
	readonly target: string;
	/** The 2xx's Record-Route, reversed. */
	readonly routeSet: string[];
	/** Where requests inside the dialog go, once known. */
	readonly hop: Endpoint | Promise<Endpoint>;
	/** Our ACK for the 2xx, sent again for each retransmission of it. */
	ack?: SipRequest;
}

/** Picks the next hop for a route set and remote target. */
export type HopFor = (routeSet: string[], target: string) => Endpoint | Promise<Endpoint>;

/**
 * The dialog a 2xx opens. `fallbackTarget` stands in for a missing Contact.
 * @example dialogFrom2xx(res, "sip:1555@gw", hopFor).tag // the To tag of res
 */
export function dialogFrom2xx(res: SipResponse, fallbackTarget: string, hopFor: HopFor): RemoteDialog {
	const contact = header(res, "contact");
	const target = (contact && parseNameAddr(contact)?.uri) || fallbackTarget;
	const routeSet = headerValues(res, "record-route").reverse();
	return { tag: tagOf(header(res, "to")), target, routeSet, hop: hopFor(routeSet, target) };
}

/**
 * `d` after a target refresh (a re-INVITE's Contact, RFC 3261 §12.2.2): the new
 * remote target and the hop for it; the same dialog when the Contact is unusable or unchanged.
 */
export function refreshedTarget(d: RemoteDialog, contact: string, hopFor: HopFor): RemoteDialog {
	const target = parseNameAddr(contact)?.uri;
	if (!target || target === d.target) return d;
	return { ...d, target, hop: hopFor(d.routeSet, target) };
}

/**
 * The Request-URI and Route values of a request inside `d`. A loose router
 * (`;lr`) leaves the remote target as Request-URI; a strict router takes its
 * place, and the remote target becomes the last Route (§12.2.1.1).
 * @example requestTarget({ routeSet: ["<sip:p1;lr>"], target: "sip:b@h" }) // { uri: "sip:b@h", routes: ["<sip:p1;lr>"] }
 */
export function requestTarget(d: Pick<RemoteDialog, "routeSet" | "target">): {
	uri: string;
	routes: string[];
} {
	const first = d.routeSet[0] ? parseNameAddr(d.routeSet[0])?.uri : undefined;
	if (!first || /;lr(?=[;=?]|$)/i.test(first)) return { uri: d.target, routes: d.routeSet };
	// Parameters a Request-URI may not carry (method, headers: RFC 3261 Table 1) go.
	const uri = first.replace(/\?.*$/, "").replace(/;method=[^;]*/i, "");
	return { uri, routes: [...d.routeSet.slice(1), `<${d.target}>`] };
}

/**
 * Run `send` with the dialog's hop: now when it is known, else once it is
 * resolved. Sends queued on one hop keep their order (ACK before BYE).
 */
export function onHop(hop: Endpoint | Promise<Endpoint>, log: Logger, send: (dest: Endpoint) => void): void {
	if (!(hop instanceof Promise)) {
		send(hop);
		return;
	}
	hop.then(send).catch((err: Error) => log.error("sip in-dialog send failed", { err: err.stack }));
}

/**
 * Answer a request from a fork we ACKed and BYE'd: it is not our call, so its
 * BYE (crossing ours) gets a 200 and ends nothing; anything else gets 481.
 */
export function answerFork(agent: SipAgent, req: SipRequest, source: Endpoint): void {
	if (req.method === "ACK") return;
	const ok = req.method === "BYE";
	// Through the agent, like every response we generate: To tag, Via received/rport.
	agent.respond(req, source, ok ? 200 : 481, ok ? "OK" : "Call/Transaction Does Not Exist");
}

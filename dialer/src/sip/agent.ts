/**
 * The SIP user agent of the process: one transport, one transaction layer, and
 * the table that routes far-end requests and stray 2xx retransmissions to the
 * call they belong to (by Call-ID).
 */
import type { Logger } from "../log.ts";
import { type Lookup, systemLookup } from "./destination.ts";
import { parseCSeq, tagOf } from "./fields.ts";
import type { Header, SipRequest, SipResponse } from "./message.ts";
import { header, headerValues } from "./message.ts";
import { type Timers, TransactionLayer } from "./transaction.ts";
import { type Endpoint, SipTransport } from "./transport.ts";
import { UasDialogs } from "./uas-dialog.ts";
import { responseTag, stampTopVia } from "./uas-response.ts";

/** What a dialog must handle when the agent routes something to it. */
export interface DialogHandler {
	request(req: SipRequest, source: Endpoint): void;
	stray(res: SipResponse): void;
}

/** Agent settings. */
export interface AgentOptions {
	bindHost: string;
	port: number;
	/** Address written into Via, Contact and SDP (NAT: the public one). */
	publicHost: string;
	timers: Timers;
	log: Logger;
	userAgent?: string;
	tlsRejectUnauthorized?: boolean;
	/** How names are resolved (tests inject one); the system resolver by default. */
	lookup?: Lookup;
}

/** Shared SIP machinery for all calls. */
export class SipAgent {
	readonly transport: SipTransport;
	readonly tx: TransactionLayer;
	readonly publicHost: string;
	readonly userAgent: string;
	readonly log: Logger;
	/** The resolver every destination goes through (destination.ts judges what it answers). */
	readonly lookup: Lookup;
	/** UAS state of each registered dialog (remote CSeq, 2xx awaiting ACK). */
	readonly uas: UasDialogs;
	private dialogs = new Map<string, DialogHandler>();

	constructor(opts: AgentOptions) {
		this.publicHost = opts.publicHost;
		this.userAgent = opts.userAgent ?? "Hatch-Dialer/0.1";
		this.log = opts.log;
		this.lookup = opts.lookup ?? systemLookup;
		this.transport = new SipTransport({
			bindHost: opts.bindHost,
			port: opts.port,
			log: opts.log,
			tlsRejectUnauthorized: opts.tlsRejectUnauthorized,
		});
		this.tx = new TransactionLayer(this.transport, opts.timers, opts.log);
		this.uas = new UasDialogs(opts.timers);
		this.tx.onRequest = (req, source) => this.route(req, source);
		this.tx.onStray = (res) => {
			const d = this.dialogs.get(header(res, "call-id") ?? "");
			if (d) d.stray(res);
		};
	}

	/** Bind sockets. */
	async start(): Promise<void> {
		await this.transport.start();
	}

	/** The bound SIP port (UDP and TCP). */
	get port(): number {
		return this.transport.port;
	}

	/** Route requests for `callId` to `handler` until {@link unregister}. */
	register(callId: string, handler: DialogHandler): void {
		this.dialogs.set(callId, handler);
	}

	/** Stop routing `callId` and drop its UAS state. */
	unregister(callId: string): void {
		this.dialogs.delete(callId);
		this.uas.forget(callId);
	}

	/**
	 * Answer a far-end request. Every response we generate goes through here:
	 * a To tag unless the request had one (RFC 3261 §8.2.6.2; not on a 100), the
	 * top Via stamped with `received`/`rport` (RFC 3581 §4), our User-Agent; sent
	 * back to the source address and cached for retransmissions. Calling it again
	 * with the same arguments sends byte-identical bytes (a 2xx retransmission).
	 * @example agent.respond(req, source, 486, "Busy Here")
	 */
	respond(
		req: SipRequest,
		source: Endpoint,
		status: number,
		reason: string,
		extra: Header[] = [],
		body = "",
	): void {
		const tag = status === 100 ? undefined : responseTag(req);
		const headers: Header[] = [["user-agent", this.userAgent], ...extra];
		this.tx.respond(stampTopVia(req, source), source, status, reason, headers, body, tag);
	}

	// RFC 3261 §8.2 order: method inspection, then the dialog (§12.2.2), then the method's own rules.
	private route(req: SipRequest, source: Endpoint): void {
		const d = this.dialogs.get(header(req, "call-id") ?? "");
		if (req.method === "ACK") {
			// Never answered (§17.1.1.3); one for a 2xx of ours is the dialog's.
			d?.request(req, source);
			return;
		}
		if (parseCSeq(header(req, "cseq"))?.method !== req.method) {
			this.respond(req, source, 400, "Bad Request (CSeq method mismatch)");
			return;
		}
		if (!knownMethod(req.method)) {
			this.respond(req, source, 501, "Not Implemented", [["allow", ALLOW]]);
			return;
		}
		// We support no extensions: whatever a request requires, we lack (§8.2.2.3; CANCEL carries none).
		const required = headerValues(req, "require").flatMap((v) => v.split(",").map((t) => t.trim()));
		if (req.method !== "CANCEL" && required.some(Boolean)) {
			this.respond(req, source, 420, "Bad Extension", [["unsupported", required.filter(Boolean).join(", ")]]);
			return;
		}
		// Only a request with a To tag can be inside a dialog (§12.2).
		if (tagOf(header(req, "to"))) {
			if (d) d.request(req, source);
			else this.respond(req, source, 481, "Call/Transaction Does Not Exist");
			return;
		}
		switch (req.method) {
			case "OPTIONS":
				// Gateways ping with OPTIONS to check we are alive.
				this.respond(req, source, 200, "OK", [
					["allow", ALLOW],
					["accept", "application/sdp"],
				]);
				return;
			case "INVITE":
				// The dialer places calls and never takes one (§21.4.4: authorization will not help).
				this.respond(req, source, 403, "Forbidden");
				return;
			case "CANCEL": // no server INVITE transaction of ours is ever pending (§9.2)
			case "BYE": // no dialog without a To tag (§15.1.2)
				this.respond(req, source, 481, "Call/Transaction Does Not Exist");
				return;
			default:
				this.respond(req, source, 405, "Method Not Allowed", [["allow", ALLOW]]);
		}
	}

	/** Close sockets and timers. */
	close(): void {
		this.uas.close();
		this.tx.close();
		this.transport.close();
	}
}

/** Methods we accept inside a dialog. */
export const ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS";

// Methods SIP defines (RFC 3261, 3262, 3311, 3428, 3515, 3903, 6086, 6665), spelt
// exactly: method names are case-sensitive (§7.1), "invite" is none of them.
const KNOWN = new Set([
	...ALLOW.split(", "),
	"REGISTER",
	"PRACK",
	"UPDATE",
	"MESSAGE",
	"REFER",
	"PUBLISH",
	"INFO",
	"SUBSCRIBE",
	"NOTIFY",
]);

/**
 * Whether SIP defines `method` (exact spelling). An unknown one gets 501 before
 * anything else (§8.2.1); a known one we do not take gets 405 with Allow.
 * @example knownMethod("INVITE") // true; knownMethod("invite") // false
 */
export function knownMethod(method: string): boolean {
	return KNOWN.has(method);
}

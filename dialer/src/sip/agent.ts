/**
 * The SIP user agent of the process: one transport, one transaction layer, and
 * the table that routes far-end requests and stray 2xx retransmissions to the
 * call they belong to (by Call-ID).
 */
import type { Logger } from "../log.ts";
import type { SipRequest, SipResponse } from "./message.ts";
import { header } from "./message.ts";
import { type Timers, TransactionLayer } from "./transaction.ts";
import { type Endpoint, SipTransport } from "./transport.ts";

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
}

/** Shared SIP machinery for all calls. */
export class SipAgent {
	readonly transport: SipTransport;
	readonly tx: TransactionLayer;
	readonly publicHost: string;
	readonly userAgent: string;
	readonly log: Logger;
	private dialogs = new Map<string, DialogHandler>();

	constructor(opts: AgentOptions) {
		this.publicHost = opts.publicHost;
		this.userAgent = opts.userAgent ?? "Hatch-Dialer/0.1";
		this.log = opts.log;
		this.transport = new SipTransport({
			bindHost: opts.bindHost,
			port: opts.port,
			log: opts.log,
			tlsRejectUnauthorized: opts.tlsRejectUnauthorized,
		});
		this.tx = new TransactionLayer(this.transport, opts.timers, opts.log);
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

	/** Stop routing `callId`. */
	unregister(callId: string): void {
		this.dialogs.delete(callId);
	}

	private route(req: SipRequest, source: Endpoint): void {
		const d = this.dialogs.get(header(req, "call-id") ?? "");
		if (d) {
			d.request(req, source);
			return;
		}
		if (req.method === "ACK") return;
		if (req.method === "OPTIONS") {
			// Gateways ping with OPTIONS to check we are alive.
			this.tx.respond(req, source, 200, "OK", [
				["allow", ALLOW],
				["accept", "application/sdp"],
				["user-agent", this.userAgent],
			]);
			return;
		}
		this.tx.respond(req, source, 481, "Call/Transaction Does Not Exist", [["user-agent", this.userAgent]]);
	}

	/** Close sockets and timers. */
	close(): void {
		this.tx.close();
		this.transport.close();
	}
}

/** Methods we accept inside a dialog. */
export const ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS";

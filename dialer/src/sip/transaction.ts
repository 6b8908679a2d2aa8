/**
 * RFC 3261 §17 transactions. Client: INVITE (timers A, B, D) and non-INVITE
 * (E, F, K), retransmitting over UDP only. Server side is a response cache: a
 * retransmitted request gets the same response again instead of a new one.
 */
import type { Logger } from "../log.ts";
import { parseCSeq, parseVia, tagOf } from "./fields.ts";
import { ackFor } from "./invite-derived.ts";
import {
	type Header,
	header,
	type SipMessage,
	type SipRequest,
	type SipResponse,
	serialize,
	splitList,
} from "./message.ts";
import type { Endpoint, SipTransport } from "./transport.ts";

/** Timer values; T1 is shortened in tests so timer B fits in a test budget. */
export interface Timers {
	t1: number;
	t2: number;
}

/** What a client transaction reports to its owner. */
export interface ClientHandlers {
	response(res: SipResponse): void;
	/** Timer B/F fired, or the transport failed. */
	failed(reason: "timeout" | "transport", detail: string): void;
}

interface ClientTx {
	key: string;
	request: SipRequest;
	bytes: Buffer;
	dest: Endpoint;
	handlers: ClientHandlers;
	timers: NodeJS.Timeout[];
	state: "calling" | "proceeding" | "completed" | "accepted" | "terminated";
	ack?: Buffer;
}

/** Handler for requests that do not belong to a client transaction. */
export type RequestHandler = (req: SipRequest, source: Endpoint) => void;

/** Owns client transactions and the server response cache. */
export class TransactionLayer {
	readonly timers: Timers;
	private readonly transport: SipTransport;
	private readonly log: Logger;
	private client = new Map<string, ClientTx>();
	private served = new Map<string, { bytes: Buffer; dest: Endpoint; at: number }>();
	/** Requests from the far end (BYE, OPTIONS, re-INVITE, ACK...). */
	onRequest: RequestHandler = () => {};
	/** 2xx retransmissions after the INVITE transaction ended: the dialog re-sends ACK. */
	onStray: (res: SipResponse) => void = () => {};

	constructor(transport: SipTransport, timers: Timers, log: Logger) {
		this.transport = transport;
		this.timers = timers;
		this.log = log;
		transport.events = {
			message: (msg, source) => this.receive(msg, source),
			error: (dest, err) => this.transportError(dest, err),
		};
	}

	/** Number of live client transactions (tests and health). */
	get size(): number {
		return this.client.size;
	}

	/** Start a client transaction for `request` (not ACK). */
	request(request: SipRequest, dest: Endpoint, handlers: ClientHandlers): void {
		const tx: ClientTx = {
			key: txKey(header(request, "via"), request.method),
			request,
			bytes: serialize(request),
			dest,
			handlers,
			timers: [],
			state: "calling",
		};
		this.client.set(tx.key, tx);
		this.transport.send(dest, tx.bytes);
		const t1 = this.timers.t1;
		const invite = request.method === "INVITE";
		if (dest.transport === "udp") this.retransmit(tx, t1, invite);
		// Timer B / F: the whole transaction gives up after 64*T1.
		tx.timers.push(
			setTimeout(() => {
				// An INVITE with a provisional answer waits for its owner instead (see abandon).
				if (tx.state === "calling" || (tx.state === "proceeding" && !invite)) {
					this.end(tx);
					tx.handlers.failed("timeout", invite ? "timer B expired" : "timer F expired");
				}
			}, 64 * t1),
		);
	}

	private retransmit(tx: ClientTx, interval: number, invite: boolean): void {
		const t = setTimeout(() => {
			if (tx.state === "terminated" || tx.state === "completed" || tx.state === "accepted") return;
			if (invite && tx.state === "proceeding") return; // timer A stops on a provisional
			this.transport.send(tx.dest, tx.bytes);
			// Timer A doubles without bound; timer E doubles up to T2, and once a provisional
			// says the request arrived it waits T2 every time (§17.1.2.2).
			const next = invite
				? interval * 2
				: tx.state === "proceeding"
					? this.timers.t2
					: Math.min(interval * 2, this.timers.t2);
			this.retransmit(tx, next, invite);
		}, interval);
		tx.timers.push(t);
	}

	/**
	 * The owner gives up on `request`'s transaction while it still waits for a
	 * final response (an INVITE in Proceeding has no timer of its own: after
	 * CANCEL, §9.1 leaves the 64·T1 wait to the TU). Its timers stop and it is
	 * forgotten without calling its handlers; one that already has its final
	 * response keeps absorbing retransmissions until its own timer ends it.
	 */
	abandon(request: SipRequest): void {
		const tx = this.client.get(txKey(header(request, "via"), request.method));
		if (tx && tx.request === request && (tx.state === "calling" || tx.state === "proceeding")) this.end(tx);
	}

	/** Send an ACK or any message outside a transaction. */
	sendRaw(msg: SipMessage, dest: Endpoint): void {
		this.transport.send(dest, serialize(msg));
	}

	/**
	 * Answer a far-end request. Copies Via/From/To/Call-ID/CSeq, adds `toTag`
	 * when To has none, and remembers the bytes for retransmitted requests.
	 */
	respond(
		req: SipRequest,
		source: Endpoint,
		status: number,
		reason: string,
		extra: Header[] = [],
		body = "",
		toTag?: string,
	): void {
		const headers: Header[] = [];
		for (const h of req.headers) {
			if (h[0] === "via" || h[0] === "from" || h[0] === "call-id" || h[0] === "cseq") headers.push(h);
			else if (h[0] === "to")
				headers.push(["to", toTag && !/;\s*tag=/i.test(h[1]) ? `${h[1]};tag=${toTag}` : h[1]]);
		}
		headers.push(...extra);
		const res: SipResponse = { kind: "response", status, reason, headers, body };
		const bytes = serialize(res);
		this.transport.send(source, bytes);
		if (req.method !== "ACK") {
			this.served.set(serverKey(req), { bytes, dest: source, at: Date.now() });
			this.pruneServed();
		}
	}

	private pruneServed(): void {
		if (this.served.size < 1000) return;
		const horizon = Date.now() - 64 * this.timers.t1;
		for (const [k, v] of this.served) if (v.at < horizon || this.served.size > 5000) this.served.delete(k);
	}

	private receive(msg: SipMessage, source: Endpoint): void {
		if (msg.kind === "request") {
			if (msg.method === "ACK") {
				this.onRequest(msg, source);
				return;
			}
			const cached = this.served.get(serverKey(msg));
			if (cached) {
				this.transport.send(cached.dest, cached.bytes);
				return;
			}
			this.onRequest(msg, source);
			return;
		}
		const cseq = parseCSeq(header(msg, "cseq"));
		const tx = this.client.get(txKey(header(msg, "via"), cseq?.method ?? ""));
		if (!tx) {
			if (msg.status >= 200 && msg.status < 300 && cseq?.method === "INVITE") this.onStray(msg);
			return;
		}
		this.clientResponse(tx, msg);
	}

	private clientResponse(tx: ClientTx, res: SipResponse): void {
		const invite = tx.request.method === "INVITE";
		if (res.status < 200) {
			if (tx.state === "calling" || tx.state === "proceeding") {
				tx.state = "proceeding";
				tx.handlers.response(res);
			}
			return;
		}
		if (invite && res.status >= 300) {
			// Non-2xx final: ACK in the same transaction (§17.1.1.3), re-ACK retransmissions.
			if (tx.state === "completed") {
				if (tx.ack) this.transport.send(tx.dest, tx.ack);
				return;
			}
			tx.ack = serialize(ackFor(tx.request, res));
			this.transport.send(tx.dest, tx.ack);
			this.settle(tx, "completed");
			tx.handlers.response(res);
			return;
		}
		if (invite) {
			// 2xx: the dialog ACKs; retransmitted 2xx keep reaching it (RFC 6026 Accepted).
			const first = tx.state !== "accepted";
			this.settle(tx, "accepted");
			if (first) tx.handlers.response(res);
			else this.onStray(res);
			return;
		}
		if (tx.state === "completed") return;
		this.settle(tx, "completed");
		tx.handlers.response(res);
	}

	private settle(tx: ClientTx, state: "completed" | "accepted"): void {
		for (const t of tx.timers) clearTimeout(t);
		tx.timers = [];
		tx.state = state;
		// Timer D/K (and the Accepted-state linger): absorb retransmissions, then forget.
		const linger = tx.dest.transport === "udp" ? 64 * this.timers.t1 : 0;
		tx.timers.push(setTimeout(() => this.end(tx), linger));
	}

	private end(tx: ClientTx): void {
		for (const t of tx.timers) clearTimeout(t);
		tx.timers = [];
		tx.state = "terminated";
		this.client.delete(tx.key);
	}

	private transportError(dest: Endpoint, err: Error): void {
		for (const tx of [...this.client.values()]) {
			if (tx.state !== "calling" && tx.state !== "proceeding") continue;
			if (tx.dest.host !== dest.host || tx.dest.port !== dest.port || tx.dest.transport !== dest.transport)
				continue;
			this.end(tx);
			tx.handlers.failed("transport", err.message);
		}
		this.log.warn("sip transport error", {
			dest: `${dest.transport}:${dest.host}:${dest.port}`,
			err: err.message,
		});
	}

	/** Cancel every timer (shutdown). */
	close(): void {
		for (const tx of this.client.values()) for (const t of tx.timers) clearTimeout(t);
		this.client.clear();
		this.served.clear();
	}
}

/** Transactions match on the top Via branch plus the CSeq method (CANCEL shares INVITE's branch). */
/**
 * A far end's request's transaction identity without its method (RFC 3261
 * §17.2.3): the branch and sent-by of a magic-cookie branch; for an RFC 2543
 * peer (whose branches need not be unique) its Request-URI, Call-ID, From tag,
 * CSeq number and top Via. A CANCEL has its INVITE's identity (§9.2).
 */
export function transactionId(req: SipRequest): string {
	const top = splitList(header(req, "via") ?? "")[0] ?? "";
	const via = parseVia(top);
	const branch = via?.params.branch;
	if (via && branch?.startsWith("z9hG4bK")) return `${branch}|${via.host}:${via.port ?? ""}`;
	const seq = parseCSeq(header(req, "cseq"))?.seq ?? "";
	return ["2543", req.uri, header(req, "call-id"), tagOf(header(req, "from")), seq, top].join("|");
}

/** A server transaction's key: its identity and method, so two peers reusing a branch never share a response. */
export function serverKey(req: SipRequest): string {
	return `${transactionId(req)}|${req.method}`;
}

export function txKey(via: string | undefined, method: string): string {
	const branch = via ? parseVia(via.split(",")[0])?.params.branch : undefined;
	return `${branch ?? ""}|${method}`;
}

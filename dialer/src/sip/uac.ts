/**
 * One outbound call's signalling (RFC 3261 UAC): INVITE with our SDP offer,
 * digest challenges, ACK, CANCEL, BYE, and the far end's in-dialog requests.
 * Knows nothing of RTP or events; reports to its owner through callbacks.
 */

import { UNREACHABLE_REASON } from "@hatch/contract/dialer";
import { DEFAULT_HOST_DENY } from "@hatch/shared/host-policy";
import { ALLOW, type DialogHandler, type SipAgent } from "./agent.ts";
import { type DestinationRefused, whenResolved } from "./destination.ts";
import { newBranch, newCallId, newTag, parseCSeq, tagOf } from "./fields.ts";
import { cancelFor } from "./invite-derived.ts";
import { type Header, header, type SipRequest, type SipResponse } from "./message.ts";
import { chooseNextHop, resolveHop } from "./next-hop.ts";
import type { Endpoint, TransportName } from "./transport.ts";
import { answerChallenge, challengeOf, NonceCounter, reauthorized } from "./uac-auth.ts";
import {
	answerFork,
	dialogFrom2xx,
	onHop,
	type RemoteDialog,
	refreshedTarget,
	requestTarget,
} from "./uac-dialog.ts";
import { answerInDialog } from "./uac-inbound.ts";
import type { Pace, Trunk, UacEvents } from "./uac-types.ts";

export type { Pace, Trunk, UacEvents } from "./uac-types.ts";

const MAX_AUTH_ROUNDS = 2;
/** Other forks' 2xx we ACK and BYE; a far end minting tags beyond this is only logged. */
const MAX_FORKS = 16;
const NO_RESPONSE = "no response from gateway (timer B)";
/** What a socket error becomes in events and records: its text (`connect ECONNREFUSED 10.0.0.1:5060`) stays in the logs. */
const UNREACHABLE = UNREACHABLE_REASON;

/** SIP dialog of one outbound call. */
export class UacCall implements DialogHandler {
	readonly callId: string;
	private readonly agent: SipAgent;
	private readonly trunk: Trunk;
	private readonly events: UacEvents;
	/** The trunk as resolved and judged (destination.ts); its unresolved form until then, which the transport refuses. */
	private dest: Endpoint;
	private readonly deny: string;
	private readonly localTag = newTag();
	private readonly fromValue: string;
	private readonly toValue: string;
	private readonly contact: string;
	private readonly requestUri: string;
	private cseq = 1;
	private invite?: SipRequest;
	private authRounds = 0;
	private authHeader?: Header;
	private readonly nonces = new NonceCounter();
	/** Our dialog: the first 2xx's. */
	private dialog?: RemoteDialog;
	/** Every other 2xx's dialog by To tag (§13.2.2.4): ACKed and BYE'd once, re-ACKed after. */
	private readonly forks = new Map<string, RemoteDialog>();
	/** Anything at all came back: a gateway that never answered is not a no-answer. */
	private heard = false;
	private provisionalSeen = false;
	private cancelPending = false;
	private cancelGuard?: NodeJS.Timeout;
	private readonly pace?: Pace;
	/** Drops the INVITE from the pacer while it waits for its slot. */
	private unpace?: () => void;
	private localSdp = "";
	state: "idle" | "inviting" | "confirmed" | "terminated" = "idle";
	private readonly hopFor = (routes: string[], target: string) =>
		resolveHop(
			chooseNextHop(routes, target, this.dest, this.deny),
			this.dest,
			this.agent.log,
			this.deny,
			this.agent.lookup,
		);

	/** `pace`: the first INVITE waits for its slot under the campaign's rate; absent, it goes at once. */
	constructor(agent: SipAgent, trunk: Trunk, to: string, events: UacEvents, pace?: Pace) {
		this.agent = agent;
		this.pace = pace;
		this.trunk = trunk;
		this.events = events;
		this.callId = newCallId(agent.publicHost);
		this.dest = { host: trunk.host, port: trunk.port, transport: trunk.transport };
		this.deny = trunk.deny ?? DEFAULT_HOST_DENY;
		const domain = trunk.domain ?? (trunk.port === 5060 ? trunk.host : `${trunk.host}:${trunk.port}`);
		const tp = trunk.transport === "udp" ? "" : `;transport=${trunk.transport}`;
		const fromUser = trunk.fromUser ?? trunk.callerId ?? trunk.username ?? "hatch";
		const display = trunk.callerId ? `"${trunk.callerId.replace(/["\\]/g, "")}" ` : "";
		this.requestUri = `sip:${to}@${domain}${tp}`;
		this.fromValue = `${display}<sip:${fromUser}@${trunk.domain ?? trunk.host}>;tag=${this.localTag}`;
		this.toValue = `<sip:${to}@${domain}>`;
		this.contact = `<sip:${fromUser}@${agent.publicHost}:${agent.port}${tp}>`;
	}

	/**
	 * Send the INVITE carrying `sdp`, once the trunk's host is resolved and
	 * judged: at once for an IP literal, after the lookup for a name. Every
	 * request of the call then goes to that one address, never looked up again.
	 */
	start(sdp: string): void {
		this.localSdp = sdp;
		this.agent.register(this.callId, this);
		this.state = "inviting";
		const { host, port, transport } = this.trunk;
		whenResolved(
			host,
			port,
			transport,
			this.deny,
			this.agent.lookup,
			(dest) => this.resolved(dest),
			(why) => this.refused(why),
		);
	}

	private resolved(dest: Endpoint): void {
		if (this.state !== "inviting") return;
		this.dest = dest;
		// Given up while the name was being looked up: nothing was sent, nothing to CANCEL.
		if (this.cancelPending) this.finish(487, "Request Terminated");
		else if (!this.pace) this.sendInvite();
		else {
			// Paced after the lookup, so a slow lookup cannot bunch INVITEs up on the wire.
			let released = false;
			const cancel = this.pace(() => {
				released = true;
				this.unpace = undefined;
				if (this.state === "inviting" && !this.cancelPending) this.sendInvite();
			});
			if (!released) this.unpace = cancel;
		}
	}

	private refused(why: DestinationRefused): void {
		this.agent.log.warn("sip gateway refused before sending", { callId: this.callId, detail: why.detail });
		this.finish(0, why.reason, true);
	}

	private via(transport: TransportName = this.trunk.transport): string {
		return `SIP/2.0/${transport.toUpperCase()} ${this.agent.publicHost}:${this.agent.port};branch=${newBranch()};rport`;
	}

	private common(method: string, seq: number, to: string, transport?: TransportName): Header[] {
		return [
			["via", this.via(transport)],
			["max-forwards", "70"],
			["from", this.fromValue],
			["to", to],
			["call-id", this.callId],
			["cseq", `${seq} ${method}`],
			["user-agent", this.agent.userAgent],
		];
	}

	private sendInvite(): void {
		const seq = this.cseq++;
		const headers = this.common("INVITE", seq, this.toValue);
		headers.push(["contact", this.contact], ["allow", ALLOW], ["content-type", "application/sdp"]);
		if (this.authHeader) headers.push(this.authHeader);
		const req: SipRequest = {
			kind: "request",
			method: "INVITE",
			uri: this.requestUri,
			headers,
			body: this.localSdp,
		};
		this.invite = req;
		this.provisionalSeen = false; // §9.1 counts per request: a re-INVITE needs its own provisional
		this.agent.tx.request(req, this.dest, {
			response: (res) => this.inviteResponse(req, res),
			// The transaction layer has logged a transport error's own text; the call reports a fixed phrase.
			failed: (why, detail) =>
				this.finish(0, why === "transport" ? UNREACHABLE : this.heard ? detail : NO_RESPONSE, !this.heard),
		});
	}

	private inviteResponse(req: SipRequest, res: SipResponse): void {
		this.heard = true;
		if (req !== this.invite || this.state === "terminated") {
			// A late 2xx to a superseded INVITE, or after we gave up, still opened a dialog.
			if (res.status >= 200 && res.status < 300) this.stray(res);
			return;
		}
		if (res.status < 200) {
			// Any provisional, 100 included, means a CANCEL can now reach the far end (§9.1).
			this.provisionalSeen = true;
			if (this.cancelPending) this.sendCancel();
			if (res.status > 100) this.events.provisional(res.status, res.reason, res.body || undefined);
			return;
		}
		if (res.status < 300) {
			this.confirm(res);
			return;
		}
		if ((res.status === 401 || res.status === 407) && this.retryWithAuth(res)) return;
		this.finish(res.status, res.reason);
	}

	private retryWithAuth(res: SipResponse): boolean {
		if (this.cancelPending || this.authRounds >= MAX_AUTH_ROUNDS) return false;
		// A second challenge only makes sense when the first nonce went stale.
		if (this.authRounds > 0 && !challengeOf(res)?.stale) return false;
		const answer = answerChallenge(res, this.trunk, "INVITE", this.requestUri, this.nonces);
		if (!answer) return false;
		this.authRounds++;
		this.authHeader = answer.header;
		this.sendInvite();
		return true;
	}

	private confirm(res: SipResponse): void {
		const d = dialogFrom2xx(res, this.requestUri, this.hopFor);
		this.dialog = d;
		this.sendAck(d, res);
		if (this.cancelPending) {
			// Our CANCEL lost the race with the answer: hang up at once.
			this.sendBye(d);
			this.finish(487, "Request Terminated");
			return;
		}
		this.state = "confirmed";
		this.events.answered(res.body);
	}

	/** ACK `res` in `d` (a 2xx's ACK is its own request, §13.2.2.4), kept for re-sending. */
	private sendAck(d: RemoteDialog, res: SipResponse): void {
		const cseq = parseCSeq(header(res, "cseq"))?.seq ?? 1;
		onHop(d.hop, this.agent.log, (dest) => {
			const { uri, routes } = requestTarget(d);
			const headers = this.common("ACK", cseq, header(res, "to") ?? this.toValue, dest.transport);
			for (const r of routes) headers.push(["route", r]);
			if (this.authHeader) headers.push(this.authHeader);
			const ack: SipRequest = { kind: "request", method: "ACK", uri, headers, body: "" };
			d.ack = ack;
			this.agent.tx.sendRaw(ack, dest);
		});
	}

	/**
	 * A 2xx the INVITE transaction did not report (§13.2.2.4): a retransmission
	 * of one we ACKed gets the same ACK again; another fork's is ACKed, then BYE'd.
	 */
	stray(res: SipResponse): void {
		const tag = tagOf(header(res, "to")) ?? "";
		const d = this.dialog && (this.dialog.tag ?? "") === tag ? this.dialog : this.forks.get(tag);
		if (!d) {
			this.closeFork(res, tag);
			return;
		}
		const ack = d.ack; // none yet: the first ACK still waits for its hop, and answers this too
		if (ack && header(ack, "cseq") === `${parseCSeq(header(res, "cseq"))?.seq} ACK`)
			onHop(d.hop, this.agent.log, (to) => this.agent.tx.sendRaw(ack, to));
		else if (ack) this.sendAck({ ...d }, res); // a 2xx to an earlier INVITE of this dialog: its own ACK
	}

	private closeFork(res: SipResponse, tag: string): void {
		if (this.forks.size >= MAX_FORKS) {
			this.agent.log.warn("sip 2xx from too many forks ignored", { callId: this.callId, tag });
			return;
		}
		const d = dialogFrom2xx(res, this.requestUri, this.hopFor);
		this.forks.set(tag, d);
		this.sendAck(d, res);
		this.sendBye(d);
	}

	/** Give up ringing: CANCEL now, or as soon as a provisional response arrives (§9.1). */
	cancel(): void {
		if (this.state !== "inviting" || this.cancelPending) return;
		this.cancelPending = true;
		// Still waiting for its slot: nothing was sent, nothing to CANCEL.
		if (this.unpace) {
			this.unpace();
			this.unpace = undefined;
			this.finish(487, "Request Terminated");
			return;
		}
		// Until then no CANCEL may go out, and timer B still bounds the wait.
		if (this.provisionalSeen) this.sendCancel();
	}

	private sendCancel(): void {
		if (this.cancelGuard || !this.invite) return;
		this.agent.tx.request(cancelFor(this.invite), this.dest, { response() {}, failed() {} });
		// No final within 64·T1 of the CANCEL: the INVITE counts as cancelled (§9.1).
		this.cancelGuard = setTimeout(
			() => this.finish(487, "no final response after CANCEL"),
			64 * this.agent.tx.timers.t1,
		);
	}

	/** Hang up an answered call. */
	bye(): void {
		if (this.state !== "confirmed" || !this.dialog) return;
		this.sendBye(this.dialog);
		this.state = "terminated";
		this.cleanup();
	}

	private sendBye(d: RemoteDialog): void {
		const seq = this.cseq++;
		onHop(d.hop, this.agent.log, (dest) => {
			const { uri, routes } = requestTarget(d);
			// No tag known (a broken 2xx): To carries none rather than an empty one.
			const to = d.tag ? `${this.toValue};tag=${d.tag}` : this.toValue;
			const headers = this.common("BYE", seq, to, dest.transport);
			for (const r of routes) headers.push(["route", r]);
			let rounds = 0;
			const send = (r: SipRequest) =>
				this.agent.tx.request(r, dest, {
					response: (res) => {
						// Some gateways challenge BYE too; answer once.
						if ((res.status === 401 || res.status === 407) && rounds++ === 0) {
							const again = this.authorize(r, res, dest.transport);
							if (again) send(again);
						}
					},
					failed: () => {},
				});
			send({ kind: "request", method: "BYE", uri, headers, body: "" });
		});
	}

	private authorize(req: SipRequest, res: SipResponse, transport: TransportName): SipRequest | undefined {
		const answer = answerChallenge(res, this.trunk, req.method, req.uri, this.nonces);
		if (!answer) return undefined;
		return reauthorized(req, answer.header, this.via(transport), this.cseq++);
	}

	/** A request from the far end inside (or about) this call. */
	request(req: SipRequest, source: Endpoint): void {
		const from = tagOf(header(req, "from"));
		if (from && this.forks.has(from)) {
			answerFork(this.agent, req, source);
			return;
		}
		answerInDialog(this.agent, req, source, {
			localTag: this.localTag,
			remoteTag: this.dialog?.tag,
			contact: this.contact,
			confirmed: this.state === "confirmed",
			remoteBye: () => {
				if (this.state !== "confirmed" && this.state !== "inviting") return;
				this.state = "terminated";
				this.cleanup();
				this.events.remoteBye();
			},
			reoffer: (sdp) => this.events.reoffer(sdp),
			refreshTarget: (contact) => {
				if (this.dialog) this.dialog = refreshedTarget(this.dialog, contact, this.hopFor);
			},
			// Our 2xx to their re-INVITE was never ACKed (§13.3.1.4): BYE, and the owner hears why.
			end: (reason) => {
				if (this.state !== "confirmed") return;
				this.bye();
				this.events.failed(0, reason, false);
			},
		});
	}

	private finish(status: number, reason: string, unreachable = false): void {
		if (this.state === "terminated") return;
		this.state = "terminated";
		this.cleanup();
		this.events.failed(status, reason, unreachable);
	}

	private cleanup(): void {
		if (this.cancelGuard) clearTimeout(this.cancelGuard);
		// Nobody waits for the INVITE's final response any more: end its transaction.
		if (this.invite) this.agent.tx.abandon(this.invite);
		// Keep routing for a while so retransmitted 2xx/BYE still find us.
		setTimeout(() => this.agent.unregister(this.callId), 64 * this.agent.tx.timers.t1).unref();
	}
}

/**
 * One outbound call's signalling (RFC 3261 UAC): INVITE with our SDP offer,
 * digest challenges, ACK, CANCEL, BYE, and the far end's in-dialog requests.
 * Knows nothing of RTP or events; reports to its owner through callbacks.
 */

import { ALLOW, type DialogHandler, type SipAgent } from "./agent.ts";
import { newBranch, newCallId, newTag, parseCSeq, parseNameAddr, tagOf } from "./fields.ts";
import { type Header, header, headerValues, type SipRequest, type SipResponse } from "./message.ts";
import type { Endpoint } from "./transport.ts";
import { answerChallenge, reauthorized } from "./uac-auth.ts";
import { answerInDialog } from "./uac-inbound.ts";
import type { Trunk, UacEvents } from "./uac-types.ts";

export type { Trunk, UacEvents } from "./uac-types.ts";

const MAX_AUTH_ROUNDS = 2;

/** SIP dialog of one outbound call. */
export class UacCall implements DialogHandler {
	readonly callId: string;
	private readonly agent: SipAgent;
	private readonly trunk: Trunk;
	private readonly events: UacEvents;
	private readonly dest: Endpoint;
	private readonly localTag = newTag();
	private readonly fromValue: string;
	private readonly toValue: string;
	private readonly contact: string;
	private readonly requestUri: string;
	private cseq = 1;
	private invite?: SipRequest;
	private authRounds = 0;
	private authHeader?: Header;
	private nc = 0;
	private remoteTag?: string;
	private remoteTarget?: string;
	private routeSet: string[] = [];
	private ack?: SipRequest;
	private provisionalSeen = false;
	private cancelPending = false;
	private cancelGuard?: NodeJS.Timeout;
	private localSdp = "";
	state: "idle" | "inviting" | "confirmed" | "terminated" = "idle";

	constructor(agent: SipAgent, trunk: Trunk, to: string, events: UacEvents) {
		this.agent = agent;
		this.trunk = trunk;
		this.events = events;
		this.callId = newCallId(agent.publicHost);
		this.dest = { host: trunk.host, port: trunk.port, transport: trunk.transport };
		const domain = trunk.domain ?? (trunk.port === 5060 ? trunk.host : `${trunk.host}:${trunk.port}`);
		const tp = trunk.transport === "udp" ? "" : `;transport=${trunk.transport}`;
		const fromUser = trunk.fromUser ?? trunk.callerId ?? trunk.username ?? "hatch";
		const display = trunk.callerId ? `"${trunk.callerId.replace(/["\\]/g, "")}" ` : "";
		this.requestUri = `sip:${to}@${domain}${tp}`;
		this.fromValue = `${display}<sip:${fromUser}@${trunk.domain ?? trunk.host}>;tag=${this.localTag}`;
		this.toValue = `<sip:${to}@${domain}>`;
		this.contact = `<sip:${fromUser}@${agent.publicHost}:${agent.port}${tp}>`;
	}

	/** Send the INVITE carrying `sdp`. */
	start(sdp: string): void {
		this.localSdp = sdp;
		this.agent.register(this.callId, this);
		this.state = "inviting";
		this.sendInvite();
	}

	private via(): string {
		return `SIP/2.0/${this.trunk.transport.toUpperCase()} ${this.agent.publicHost}:${this.agent.port};branch=${newBranch()};rport`;
	}

	private common(method: string, seq: number, to: string): Header[] {
		return [
			["via", this.via()],
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
		this.agent.tx.request(req, this.dest, {
			response: (res) => this.inviteResponse(req, res),
			failed: (_why, detail) => this.finish(0, detail),
		});
	}

	private inviteResponse(req: SipRequest, res: SipResponse): void {
		if (req !== this.invite || this.state === "terminated") {
			// A late 2xx to a superseded INVITE still opened a dialog: close it.
			if (res.status >= 200 && res.status < 300) this.ackAndBye(res);
			return;
		}
		if (res.status < 200) {
			if (res.status > 100) this.provisionalSeen = true;
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
		const answer = answerChallenge(res, this.trunk, "INVITE", this.requestUri, this.nc + 1);
		if (!answer) return false;
		// A second challenge only makes sense when the first nonce went stale.
		if (this.authRounds > 0 && !answer.stale) return false;
		this.authRounds++;
		this.nc++;
		this.authHeader = answer.header;
		this.sendInvite();
		return true;
	}

	private confirm(res: SipResponse): void {
		this.remoteTag = tagOf(header(res, "to"));
		const contact = header(res, "contact");
		this.remoteTarget = (contact && parseNameAddr(contact)?.uri) || this.requestUri;
		this.routeSet = headerValues(res, "record-route").reverse();
		this.sendAck(res);
		if (this.cancelPending) {
			// Our CANCEL lost the race with the answer: hang up at once.
			this.sendBye();
			this.finish(487, "Request Terminated");
			return;
		}
		this.state = "confirmed";
		this.events.answered(res.body);
	}

	private sendAck(res: SipResponse): void {
		const cseq = parseCSeq(header(res, "cseq"))?.seq ?? 1;
		const headers = this.common("ACK", cseq, header(res, "to") ?? this.toValue);
		for (const r of this.routeSet) headers.push(["route", r]);
		if (this.authHeader) headers.push(this.authHeader);
		this.ack = {
			kind: "request",
			method: "ACK",
			uri: this.remoteTarget ?? this.requestUri,
			headers,
			body: "",
		};
		this.agent.tx.sendRaw(this.ack, this.dest);
	}

	private ackAndBye(res: SipResponse): void {
		const saved = { tag: this.remoteTag, target: this.remoteTarget, routes: this.routeSet };
		this.remoteTag = tagOf(header(res, "to"));
		const contact = header(res, "contact");
		this.remoteTarget = (contact && parseNameAddr(contact)?.uri) || this.requestUri;
		this.routeSet = headerValues(res, "record-route").reverse();
		this.sendAck(res);
		this.sendBye();
		if (this.state === "confirmed")
			Object.assign(this, { remoteTag: saved.tag, remoteTarget: saved.target, routeSet: saved.routes });
	}

	/** Retransmitted 2xx: our ACK was lost, send it again (§13.2.2.4). */
	stray(res: SipResponse): void {
		if (this.ack && tagOf(header(res, "to")) === this.remoteTag) this.agent.tx.sendRaw(this.ack, this.dest);
		else if (this.state !== "confirmed") this.ackAndBye(res);
	}

	/** Give up ringing: CANCEL now, or as soon as a provisional response arrives (§9.1). */
	cancel(): void {
		if (this.state !== "inviting" || this.cancelPending) return;
		this.cancelPending = true;
		if (this.provisionalSeen) this.sendCancel();
		// If the far end never answers the INVITE after CANCEL, stop waiting (timer B's worth).
		this.cancelGuard = setTimeout(
			() => this.finish(487, "no final response after CANCEL"),
			64 * this.agent.tx.timers.t1,
		);
	}

	private sentCancel = false;
	private sendCancel(): void {
		if (this.sentCancel || !this.invite) return;
		this.sentCancel = true;
		const inv = this.invite;
		const headers: Header[] = [];
		const seq = parseCSeq(header(inv, "cseq"))?.seq ?? 1;
		for (const h of inv.headers) {
			if (h[0] === "via") {
				if (!headers.some((x) => x[0] === "via")) headers.push(h);
			} else if (["max-forwards", "from", "to", "call-id", "route", "user-agent"].includes(h[0]))
				headers.push(h);
		}
		headers.push(["cseq", `${seq} CANCEL`]);
		const req: SipRequest = { kind: "request", method: "CANCEL", uri: inv.uri, headers, body: "" };
		this.agent.tx.request(req, this.dest, { response() {}, failed() {} });
	}

	/** Hang up an answered call. */
	bye(): void {
		if (this.state !== "confirmed") return;
		this.sendBye();
		this.state = "terminated";
		this.cleanup();
	}

	private sendBye(): void {
		const seq = this.cseq++;
		const headers = this.common("BYE", seq, `${this.toValue};tag=${this.remoteTag ?? ""}`);
		for (const r of this.routeSet) headers.push(["route", r]);
		const req: SipRequest = {
			kind: "request",
			method: "BYE",
			uri: this.remoteTarget ?? this.requestUri,
			headers,
			body: "",
		};
		let rounds = 0;
		const send = (r: SipRequest) =>
			this.agent.tx.request(r, this.dest, {
				response: (res) => {
					// Some gateways challenge BYE too; answer once.
					if ((res.status === 401 || res.status === 407) && rounds++ === 0) {
						const again = this.authorize(r, res);
						if (again) send(again);
					}
				},
				failed: () => {},
			});
		send(req);
	}

	private authorize(req: SipRequest, res: SipResponse): SipRequest | undefined {
		const answer = answerChallenge(res, this.trunk, req.method, req.uri, this.nc + 1);
		if (!answer) return undefined;
		this.nc++;
		return reauthorized(req, answer.header, this.via(), this.cseq++);
	}

	/** A request from the far end inside (or about) this call. */
	request(req: SipRequest, source: Endpoint): void {
		answerInDialog(this.agent, req, source, {
			localTag: this.localTag,
			contact: this.contact,
			confirmed: this.state === "confirmed",
			remoteBye: () => {
				if (this.state !== "confirmed" && this.state !== "inviting") return;
				this.state = "terminated";
				this.cleanup();
				this.events.remoteBye();
			},
			reoffer: (sdp) => this.events.reoffer(sdp),
		});
	}

	private finish(status: number, reason: string): void {
		if (this.state === "terminated") return;
		this.state = "terminated";
		this.cleanup();
		this.events.failed(status, reason);
	}

	private cleanup(): void {
		if (this.cancelGuard) clearTimeout(this.cancelGuard);
		// Keep routing for a while so retransmitted 2xx/BYE still find us.
		setTimeout(() => this.agent.unregister(this.callId), 64 * this.agent.tx.timers.t1).unref();
	}
}

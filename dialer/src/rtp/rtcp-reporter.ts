/**
 * A call's RTCP (RFC 3550 §6) on the odd port next to its RTP: a sender report
 * with SDES CNAME about every 5 s (randomised 0.5-1.5×, the first after half
 * that, §6.2 and §6.3), a receiver report while we have sent nothing yet, a
 * reception report block once the far end's RTP arrives, and BYE when the call
 * ends. It follows the call's one RTP latch (peer-link.ts): reports go to the
 * host our RTP goes to, on its port + 1, until that host's RTCP arrives from
 * another port (NAT), then there; RTCP from any other host is ignored, so a
 * stranger cannot take the reports. Carriers' SBCs read these for call quality,
 * and some end a call whose RTCP stays silent.
 */
import type dgram from "node:dgram";
import {
	bye,
	compound,
	parseRtcp,
	ReceiverStats,
	receiverReport,
	type SenderInfo,
	sdesCname,
	senderReport,
} from "./rtcp.ts";

/** The RFC's minimum interval between reports. */
export const RTCP_INTERVAL_MS = 5000;

type Address = { host: string; port: number };

/** Our side of the stream at the time of a report (the session's counters). */
export type SenderState = Omit<SenderInfo, "wallMs" | "ssrc">;

/** One call's RTCP. */
export class RtcpReporter {
	readonly stats = new ReceiverStats();
	private readonly socket: dgram.Socket;
	private readonly ssrc: number;
	/** Our SDES chunk: the same bytes in every report, built once. */
	private readonly sdes: Uint8Array;
	private readonly intervalMs: number;
	/** Where our RTP goes (the session's PeerLink): RTCP follows it. */
	private readonly peer: () => Address | undefined;
	/** The far end's RTCP source, learnt from its reports (same host as our RTP peer). */
	private learnt?: Address;
	private dueAt: number;
	private ended = false;
	/** Reports sent and valid RTCP packets received, for tests and GET /calls. */
	sent = 0;
	received = 0;

	constructor(
		socket: dgram.Socket,
		ssrc: number,
		cname: string,
		peer: () => Address | undefined,
		now: number,
		intervalMs = RTCP_INTERVAL_MS,
	) {
		this.peer = peer;
		this.socket = socket;
		this.ssrc = ssrc;
		this.sdes = sdesCname(ssrc, cname);
		this.intervalMs = intervalMs;
		this.dueAt = now + intervalMs / 2;
		socket.on("message", (buf, rinfo) => this.receive(buf, rinfo));
		// ICMP errors for a far end without RTCP come back as socket errors: nothing to do.
		socket.on("error", () => {});
	}

	/** Where reports go now: the learnt RTCP source of our RTP peer, else that peer's port + 1. */
	private target(): Address | undefined {
		const p = this.peer();
		if (!p) return undefined;
		return this.learnt?.host === p.host ? this.learnt : { host: p.host, port: p.port + 1 };
	}

	/** Whether a report is due at `now` (so the caller builds its state only then). */
	due(now: number): boolean {
		return !this.ended && now >= this.dueAt;
	}

	/** Send a report if one is due at `now` (monotonic ms). */
	tick(now: number, me: SenderState): void {
		if (!this.due(now) || !this.target()) return;
		this.dueAt = now + this.intervalMs * (0.5 + Math.random());
		this.send([this.report(now, me), this.sdes]);
	}

	/** The call ended: say BYE (once) and close the socket. */
	end(now: number, me: SenderState): void {
		if (this.ended) return;
		this.ended = true;
		this.send([this.report(now, me), this.sdes, bye(this.ssrc)]);
		try {
			this.socket.close();
		} catch {}
	}

	private report(now: number, me: SenderState): Uint8Array {
		const block = this.stats.block(now);
		if (me.packets === 0) return receiverReport(this.ssrc, block);
		return senderReport({ ...me, ssrc: this.ssrc, wallMs: Date.now() }, block);
	}

	private send(parts: Uint8Array[]): void {
		const to = this.target();
		if (!to) return;
		try {
			this.socket.send(compound(parts), to.port, to.host);
			this.sent++;
		} catch {
			// The socket is closing: the call is over.
		}
	}

	private receive(buf: Buffer, rinfo: dgram.RemoteInfo): void {
		if (this.ended || rinfo.address !== this.peer()?.host) return;
		const rtcp = parseRtcp(buf);
		if (!rtcp) return;
		this.received++;
		// Symmetric RTCP: a NATed far end's reports come from its real port.
		this.learnt = { host: rinfo.address, port: rinfo.port };
		const now = performance.now();
		for (const sr of rtcp.reports)
			if (sr.ssrc === this.stats.ssrc) this.stats.onSenderReport(sr.ntpMiddle, now);
	}
}

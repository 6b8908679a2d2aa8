/**
 * A call's RTCP (RFC 3550 §6) on the odd port next to its RTP: a sender report
 * with SDES CNAME about every 5 s (randomised 0.5-1.5×, the first after half
 * that, §6.2 and §6.3), a receiver report while we have sent nothing yet, a
 * reception report block once the far end's RTP arrives, and BYE when the call
 * ends. Like RTP it is symmetric: sent to the SDP port + 1 until the far end's
 * RTCP arrives from somewhere else, then to that source. Carriers' SBCs read
 * these for call quality, and some end a call whose RTCP stays silent.
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
	/** Where reports go: the SDP's RTP port + 1, or the far end's RTCP source once latched. */
	private remote?: { host: string; port: number };
	private sdp?: { host: string; port: number };
	private latched = false;
	private dueAt: number;
	private ended = false;
	/** Reports sent and valid RTCP packets received, for tests and GET /calls. */
	sent = 0;
	received = 0;

	constructor(socket: dgram.Socket, ssrc: number, cname: string, now: number, intervalMs = RTCP_INTERVAL_MS) {
		this.socket = socket;
		this.ssrc = ssrc;
		this.sdes = sdesCname(ssrc, cname);
		this.intervalMs = intervalMs;
		this.dueAt = now + intervalMs / 2;
		socket.on("message", (buf, rinfo) => this.receive(buf, rinfo));
		// ICMP errors for a far end without RTCP come back as socket errors: nothing to do.
		socket.on("error", () => {});
	}

	/** The far end's RTP address from SDP: its RTCP is on the next port. A new address drops the latch. */
	setRemote(host: string, rtpPort: number): void {
		const port = rtpPort + 1;
		if (this.sdp?.host === host && this.sdp.port === port) return;
		this.sdp = { host, port };
		this.latched = false;
		this.remote = { host, port };
	}

	/** Send a report if one is due at `now` (monotonic ms). */
	tick(now: number, me: SenderState): void {
		if (this.ended || now < this.dueAt || !this.remote) return;
		this.dueAt = now + this.intervalMs * (0.5 + Math.random());
		this.send([this.report(now, me), this.sdes]);
	}

	/** The call ended: say BYE (once) and close the socket. */
	end(now: number, me: SenderState): void {
		if (this.ended) return;
		this.ended = true;
		if (this.remote) this.send([this.report(now, me), this.sdes, bye(this.ssrc)]);
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
		const to = this.remote;
		if (!to) return;
		try {
			this.socket.send(compound(parts), to.port, to.host);
			this.sent++;
		} catch {
			// The socket is closing: the call is over.
		}
	}

	private receive(buf: Buffer, rinfo: dgram.RemoteInfo): void {
		if (this.ended || !this.remote) return;
		if (this.latched && (rinfo.address !== this.remote.host || rinfo.port !== this.remote.port)) return;
		const rtcp = parseRtcp(buf);
		if (!rtcp) return;
		this.received++;
		// Symmetric RTCP: a NATed far end's reports come from its real address.
		if (!this.latched) {
			this.latched = true;
			this.remote = { host: rinfo.address, port: rinfo.port };
		}
		const now = performance.now();
		for (const sr of rtcp.reports)
			if (sr.ssrc === this.stats.ssrc) this.stats.onSenderReport(sr.ntpMiddle, now);
	}
}

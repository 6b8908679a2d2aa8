/**
 * One call's media: sends the prepared G.711 sound as 20 ms RTP packets from the
 * port we advertised (symmetric RTP; where they go is peer-link.ts), reports
 * RFC 4733 DTMF digits it receives, and keeps the call's RTCP (rtcp-reporter.ts).
 */
import { randomInt } from "node:crypto";
import type dgram from "node:dgram";
import { AmdListener } from "../amd/listener.ts";
import type { Codec } from "../sdp/sdp.ts";
import { DTMF_PAYLOAD, PAYLOAD } from "../sdp/sdp.ts";
import { ClockedStream, type StreamCounts } from "./clocked-stream.ts";
import { NO_ROUTE, type Route, type StreamClock } from "./native-streams.ts";
import type { PacedStream, Pacer } from "./pacer.ts";
import { dtmfDigit, parseDtmf, parseRtp, writeHeader } from "./packet.ts";
import { PacketRing, SAMPLES, silenceFor } from "./packet-ring.ts";
import { PeerLink } from "./peer-link.ts";
import { type CallMedia, type MediaEvents, type MediaStats, STATS } from "./protocol.ts";
import { RtcpReporter, type SenderState } from "./rtcp-reporter.ts";
import type { FallbackSender, SendBatch } from "./send-batch.ts";

/** The packet interval (the pacer's). */
const PACKET_MS = 20;

/** Payload types a far end's first packet may have for us to latch onto it: G.711, comfort noise. */
const LATCH_TYPES = new Set([PAYLOAD.PCMU, PAYLOAD.PCMA, 13]);

/** Where a session publishes its counters: a row of the media thread's shared table. */
export interface StatsRow {
	table: Int32Array;
	slot: number;
}

/** What a session reports to its owner. */
export type SessionEvents = Pick<MediaEvents, "finished" | "dtmf" | "amd" | "greetingEnd">;

/** Optional parts of a session. */
export interface SessionOptions {
	/** Where its counters go (the media thread's shared table). */
	row?: StatsRow;
	/** The native sender's batch, when it is loaded. */
	batch?: SendBatch;
	/** The send clock's native streams, when it runs: the whole stream is sent natively (no pacer). */
	streams?: StreamClock;
	/** The RTCP socket (our port + 1), its report interval and CNAME. */
	rtcp?: { socket: dgram.Socket; cname: string; intervalMs?: number };
}

/** RTP sender/receiver bound to one local port (RTCP on the next one). */
export class MediaSession implements PacedStream, CallMedia, FallbackSender {
	readonly port: number;
	private readonly link: PeerLink;
	private readonly pacer: Pacer;
	private readonly events: SessionEvents;
	private readonly row?: StatsRow;
	private readonly batch?: SendBatch;
	/** The sound on the send clock's thread (no JS per packet), when it runs. */
	private readonly clocked?: ClockedStream;
	readonly rtcp?: RtcpReporter;
	/** The sound's id with the native sender, while playing. */
	private soundId?: number;
	private audio?: Buffer;
	private pt = 0;
	private seq = randomInt(0, 65536);
	private readonly tsBase = randomInt(0, 2 ** 32);
	private readonly ssrc = randomInt(0, 2 ** 32);
	/** When packet 0 was due (monotonic ms). */
	private t0?: number;
	private sending = false;
	private muted = false;
	/** The far end disabled the stream (port 0). */
	private disabled = false;
	/** Set the marker bit on the next packet (the first after a pause: RFC 3551 §4.1). */
	private markNext = false;
	private dtmfPt?: number;
	private lastDtmfTs = -1;
	private closed = false;
	private readonly ring = new PacketRing();
	/** Answering-machine detection, from the answer until it has said all it will. */
	private amd?: AmdListener;
	private nextIndex = 0;
	/** Packets sent, received and skipped (stalls), for GET /calls and tests. */
	sent = 0;
	received = 0;
	skipped = 0;

	constructor(
		socket: dgram.Socket,
		port: number,
		pacer: Pacer,
		events: SessionEvents,
		opts: SessionOptions = {},
	) {
		this.port = port;
		this.pacer = pacer;
		this.events = events;
		this.row = opts.row;
		this.batch = opts.batch;
		if (opts.streams) this.clocked = new ClockedStream(opts.streams, (since) => this.soundEnded(since));
		this.link = new PeerLink(
			socket,
			port,
			(buf, rinfo) => this.receive(buf, rinfo),
			opts.batch?.native,
			() => this.reroute(),
		);
		const r = opts.rtcp;
		if (r) {
			const peer = () => (this.disabled ? undefined : this.link.remote);
			this.rtcp = new RtcpReporter(r.socket, this.ssrc, r.cname, peer, performance.now(), r.intervalMs);
		}
		const row = opts.row;
		row?.table.fill(0, row.slot * STATS.width, (row.slot + 1) * STATS.width);
	}

	/**
	 * Point the stream at the address from the SDP answer (until a packet arrives
	 * from elsewhere; see PeerLink for re-offers). `dtmfPt`: the answer's
	 * telephone-event type. Port 0 disables the stream (RFC 3264 §8.2): no RTP,
	 * no RTCP, until an SDP with a port brings it back.
	 */
	setRemote(host: string, port: number, dtmfPt?: number): void {
		this.dtmfPt = dtmfPt;
		const was = this.disabled;
		this.disabled = port === 0;
		if (!this.disabled) this.link.setRemote(host, port);
		if (was !== this.disabled) this.reroute();
	}

	/** Pause sending without stopping the clock (far end put us on hold). */
	setMuted(muted: boolean): void {
		if (this.muted && !muted && this.sent > 0) this.markNext = true;
		this.muted = muted;
		this.clocked?.mute(muted);
	}

	/**
	 * Start streaming `audio` encoded as `codec`. While streaming, another codec
	 * switches the law from the next packet on (a re-offer dropped ours): same
	 * position in the sound, the RTP timestamp running on, the marker bit set.
	 */
	play(audio: Uint8Array, codec: Codec): void {
		if (this.closed) return;
		const pt = PAYLOAD[codec];
		if (this.sending && pt === this.pt) return;
		if (this.soundId !== undefined) this.batch?.native.release(this.soundId);
		this.soundId = undefined;
		// A Buffer view over the same memory (no copy), for Buffer.copy in tick().
		this.audio = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength);
		if (this.batch) {
			try {
				this.soundId = this.batch.native.register(audio);
			} catch {
				// Not pinned: this call's packets go through dgram.
			}
		}
		this.pt = pt;
		if (this.sending) {
			this.markNext = true;
			// Native: the same position and timestamps on, from a stream of the new sound.
			if (this.clocked?.running) this.restartStream();
			return;
		}
		this.sending = true;
		if (this.startStream()) return;
		// When packet 0 is due: the RTP clock's origin, for RTCP's timestamp mapping.
		this.t0 = this.pacer.add(this);
	}

	/** Hand the sound to the send clock from packet 0 on; false when it cannot take it (the pacer sends). */
	private startStream(): boolean {
		const route = this.streamRoute();
		if (!this.clocked || this.soundId === undefined || !route) return false;
		const t0 = this.clocked.firstDue();
		if (!this.streamFrom(route, 0, t0)) return false;
		this.t0 = t0;
		return true;
	}

	/** Start the native stream at packet `index`, due at `due`; false when the addon refused. */
	private streamFrom(route: Route, index: number, due: number): boolean {
		const spec = {
			sound: this.soundId as number,
			pt: this.pt,
			pad: silenceFor(this.pt),
			ssrc: this.ssrc,
			tsBase: this.tsBase,
		};
		const from = { seq: this.seq, sent: this.sent, skipped: this.skipped };
		const packets = Math.ceil((this.audio as Buffer).length / SAMPLES);
		const first = this.sent === 0 || this.markNext;
		if (!this.clocked?.start(route, spec, from, index, due, first, packets, this.muted)) return false;
		this.markNext = false;
		return true;
	}

	/** A codec change mid-stream: stop the stream and start one of the new sound where it was. */
	private restartStream(): void {
		const at = this.endStream() as StreamCounts;
		const route = this.streamRoute();
		const due = (this.t0 ?? 0) + at.nextIndex * PACKET_MS;
		if (route && this.streamFrom(route, at.nextIndex, due)) return;
		// Refused (a sound the addon would not pin): the pacer sends it from packet 0.
		this.t0 = this.pacer.add(this);
	}

	/** Stop the native stream (if any), keeping its counters and sequence numbers. */
	private endStream(): StreamCounts | undefined {
		const at = this.clocked?.stop();
		if (at) this.absorb(at);
		return at;
	}

	/** The sound on the send clock is over (its last packet due `sinceLastMs` ago). */
	private soundEnded(sinceLastMs: number): void {
		this.endStream();
		this.sending = false;
		this.events.finished(sinceLastMs);
	}

	private absorb(at: StreamCounts): void {
		this.sent = at.sent;
		this.skipped = at.skipped;
		this.seq = at.nextSeq;
		this.count(STATS.sent, this.sent);
		this.count(STATS.skipped, this.skipped);
	}

	/** Where the native stream sends now; undefined when the native sender cannot reach our socket. */
	private streamRoute(): Route | undefined {
		const r = this.link.route();
		return r && this.disabled ? NO_ROUTE : r;
	}

	/** The far end, the connected socket or the stream's state changed: the native stream follows. */
	private reroute(): void {
		if (!this.closed) this.clocked?.route(this.streamRoute() ?? NO_ROUTE);
	}

	/** Bring the counters up to the native stream's (GET /calls, RTCP). */
	private syncStream(): void {
		const at = this.clocked?.counts();
		if (at) this.absorb(at);
	}

	/** Called by the pacer for packet `index`, due at `due`; false ends the stream. */
	tick(index: number, due = performance.now()): boolean {
		const audio = this.audio;
		if (!audio || this.closed) return false;
		const offset = index * SAMPLES;
		if (offset >= audio.length) {
			this.sending = false;
			// Packet index − 1 was the last: how long ago it was due, for the call's BYE.
			// Negative when the pacer runs ahead (a send clock): it has not left yet.
			const sinceLastMs = performance.now() - ((this.t0 ?? 0) + (index - 1) * PACKET_MS);
			queueMicrotask(() => this.events.finished(sinceLastMs));
			return false;
		}
		if (index !== this.nextIndex) {
			// The pacer skipped packets that were hopelessly late.
			this.skipped += index - this.nextIndex;
			this.count(STATS.skipped, this.skipped);
		}
		this.nextIndex = index + 1;
		const link = this.link;
		if (link.remote && !this.muted && !this.disabled) {
			const ts = (this.tsBase + offset) >>> 0;
			const first = this.sent === 0 || this.markNext;
			this.markNext = false;
			const batch = this.batch;
			if (batch && link.outFd !== undefined && this.soundId !== undefined) {
				// Native: header in the wake-up's batch, payload read in place at flush.
				const at = batch.add(this, link.outFd, this.soundId, offset, silenceFor(this.pt), due);
				writeHeader(batch.headers, this.pt, this.seq, ts, this.ssrc, first, at);
			} else {
				const buf = this.packet(offset);
				writeHeader(buf, this.pt, this.seq, ts, this.ssrc, first);
				link.send(buf);
			}
			this.seq = (this.seq + 1) & 0xffff;
			this.sent++;
			this.count(STATS.sent, this.sent);
		}
		return true;
	}

	/** A packet the native sender could not send (send-batch.ts): through dgram instead. */
	resend(header: Uint8Array, offset: number): void {
		if (this.closed || !this.link.remote) return;
		const buf = this.packet(offset);
		buf.set(header, 0);
		this.link.send(buf);
	}

	/** The packet at `offset` in a buffer (header still to write). */
	private packet(offset: number): Buffer {
		return this.ring.take(this.audio as Buffer, offset, this.pt, this.link.queued());
	}

	private receive(buf: Buffer, rinfo: dgram.RemoteInfo): void {
		const link = this.link;
		// Latched: only the latched peer's packets count (the kernel filters what the
		// connected socket receives; the unconnected one may still hear others).
		if (!link.accepts(rinfo)) return;
		const pkt = parseRtp(buf);
		if (!pkt) return;
		if (!link.latched) {
			// Anyone can send to an open port: learn the source only once the far end has
			// answered with SDP, and only from a packet of a type we offered. Otherwise a
			// stranger's first packet would take the call's media (and its DTMF).
			if (!link.sdpRemote || !this.latchable(pkt.pt)) return;
			link.latch(rinfo.address, rinfo.port);
		}
		this.received++;
		this.count(STATS.received, this.received);
		// Audio only: a telephone-event's timestamp stays on its start, which is not jitter.
		if (LATCH_TYPES.has(pkt.pt)) {
			const now = performance.now();
			this.rtcp?.stats.onRtp(pkt.ssrc, pkt.seq, pkt.ts, now);
			if (this.amd && pkt.pt !== 13) this.amd.frame(pkt.payload, pkt.pt, now);
		}
		// The far end sends telephone-events with the type from our offer (RFC 3264 §5.1);
		// some use the one from their answer.
		if (pkt.pt === DTMF_PAYLOAD || (this.dtmfPt !== undefined && pkt.pt === this.dtmfPt)) {
			const ev = parseDtmf(pkt.payload);
			// One event spans many packets with the same timestamp: report it once.
			if (ev && pkt.ts !== this.lastDtmfTs) {
				this.lastDtmfTs = pkt.ts;
				const digit = dtmfDigit(ev.event);
				if (digit) this.events.dtmf(digit);
			}
		}
	}

	private latchable(pt: number): boolean {
		return LATCH_TYPES.has(pt) || pt === DTMF_PAYLOAD || pt === this.dtmfPt;
	}

	/** Start answering-machine detection on the far end's audio, from now. */
	listen(): void {
		if (this.closed || this.amd) return;
		const ev = this.events;
		this.amd = new AmdListener(performance.now(), {
			amd: (result, ms, reason) => ev.amd?.(result, ms, reason),
			greetingEnd: (ms, reason) => ev.greetingEnd?.(ms, reason),
		});
	}

	/** Detection's clock (a far end may send nothing); returns whether it still listens. */
	amdTick(now: number): boolean {
		return !this.closed && (this.amd?.tick(now) ?? false);
	}

	/** Our side of the stream at `now`, for RTCP: the RTP time then, packets and payload octets. */
	private senderState(now: number): SenderState {
		const rtpTs = this.t0 === undefined ? this.tsBase : this.tsBase + Math.round((now - this.t0) * 8);
		return { rtpTs: rtpTs >>> 0, packets: this.sent, octets: this.sent * SAMPLES };
	}

	/** Send an RTCP report if one is due (the media thread calls this a few times a second). */
	rtcpTick(now: number): void {
		if (this.closed) return;
		this.syncStream();
		if (this.rtcp?.due(now)) this.rtcp.tick(now, this.senderState(now));
	}

	private count(field: number, value: number): void {
		const row = this.row;
		// A plain aligned 32-bit store: the main thread reads it with Atomics.load.
		if (row) row.table[row.slot * STATS.width + field] = value;
	}

	/** Counters so far. */
	stats(): MediaStats {
		this.syncStream();
		return { sent: this.sent, received: this.received, skipped: this.skipped };
	}

	/** Stop sending, say RTCP BYE, and release the sockets. */
	close(): void {
		if (this.closed) return;
		this.endStream();
		this.closed = true;
		this.pacer.remove(this);
		if (this.soundId !== undefined) this.batch?.native.release(this.soundId);
		this.soundId = undefined;
		const now = performance.now();
		this.rtcp?.end(now, this.senderState(now));
		this.link.close();
	}
}

/**
 * One call's media: sends the prepared G.711 sound as 20 ms RTP packets from the
 * port we advertised (symmetric RTP), latches onto the far end's real source, and
 * reports RFC 4733 DTMF digits it receives.
 */
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { isIPv4 } from "node:net";
import type { Codec } from "../sdp/sdp.ts";
import { DTMF_PAYLOAD, PAYLOAD } from "../sdp/sdp.ts";
import { socketFd } from "./native-send.ts";
import type { PacedStream, Pacer } from "./pacer.ts";
import { dtmfDigit, parseDtmf, parseRtp, writeHeader } from "./packet.ts";
import { PacketRing, SAMPLES, silenceFor } from "./packet-ring.ts";
import { type CallMedia, type MediaEvents, type MediaStats, STATS } from "./protocol.ts";
import type { FallbackSender, SendBatch } from "./send-batch.ts";

/** Payload types a far end's first packet may have for us to latch onto it: G.711, comfort noise. */
const LATCH_TYPES = new Set([PAYLOAD.PCMU, PAYLOAD.PCMA, 13]);

/** Where a session publishes its counters: a row of the media thread's shared table. */
export interface StatsRow {
	table: Int32Array;
	slot: number;
}

/** RTP sender/receiver bound to one local port. */
export class MediaSession implements PacedStream, CallMedia, FallbackSender {
	readonly port: number;
	private readonly socket: dgram.Socket;
	private readonly pacer: Pacer;
	private readonly events: Pick<MediaEvents, "finished" | "dtmf">;
	private readonly row?: StatsRow;
	/** Where packets go: the SDP answer's address until we latch, then the far end's real source. */
	private remote?: { host: string; port: number };
	/** The address the last SDP (answer or re-offer) gave. */
	private sdpRemote?: { host: string; port: number };
	private latched = false;
	/** The socket that sends without an address (connected), once there is one. */
	private out?: dgram.Socket;
	/** The native sender's batch (when it is loaded), and `out`'s fd once checked. */
	private readonly batch?: SendBatch;
	private outFd?: number;
	/** The sound's id with the native sender, while playing. */
	private soundId?: number;
	/** A second socket on our port, connected to the SDP address until we latch. */
	private sibling?: dgram.Socket;
	private audio?: Buffer;
	private pt = 0;
	private seq = randomInt(0, 65536);
	private readonly tsBase = randomInt(0, 2 ** 32);
	private readonly ssrc = randomInt(0, 2 ** 32);
	private sending = false;
	private muted = false;
	/** Set the marker bit on the next packet (the first after a pause: RFC 3551 §4.1). */
	private markNext = false;
	private dtmfPt?: number;
	private lastDtmfTs = -1;
	private closed = false;
	private readonly ring = new PacketRing();
	private nextIndex = 0;
	/** Packets sent, received and skipped (stalls), for GET /calls and tests. */
	sent = 0;
	received = 0;
	skipped = 0;

	constructor(
		socket: dgram.Socket,
		port: number,
		pacer: Pacer,
		events: Pick<MediaEvents, "finished" | "dtmf">,
		row?: StatsRow,
		batch?: SendBatch,
	) {
		this.socket = socket;
		this.port = port;
		this.pacer = pacer;
		this.events = events;
		this.row = row;
		this.batch = batch;
		row?.table.fill(0, row.slot * STATS.width, (row.slot + 1) * STATS.width);
		socket.on("message", (buf, rinfo) => this.receive(buf, rinfo));
		socket.on("error", () => {});
	}

	/**
	 * Point the stream at the address from the SDP answer (until a packet arrives
	 * from elsewhere). A later SDP naming the same address (hold, resume) keeps a
	 * latch; one naming another address (the far end moved its media, RFC 3264
	 * §8.3.1) is followed: the latch is dropped and learnt again from there.
	 */
	setRemote(host: string, port: number, dtmfPt?: number): void {
		this.dtmfPt = dtmfPt;
		const moved = !this.sdpRemote || this.sdpRemote.host !== host || this.sdpRemote.port !== port;
		this.sdpRemote = { host, port };
		if (!moved) return;
		if (this.latched) this.unlatch();
		this.remote = { host, port };
		this.connectSibling(host, port);
	}

	/** Forget the far end's learnt source: disconnect our socket so every source reaches it again. */
	private unlatch(): void {
		this.latched = false;
		if (this.out === this.socket) {
			this.useOut(undefined);
			try {
				this.socket.disconnect();
			} catch {
				// Not connected yet (the connect callback is still pending): nothing to undo.
			}
		}
	}

	/**
	 * An unconnected sendto costs the kernel a route lookup and more per datagram:
	 * the bench measured a third less CPU for connected sends. Connecting our own
	 * socket before latching would make the kernel drop a NATed far end's packets
	 * (from an address other than its SDP's), so a sibling socket on the same port
	 * (SO_REUSEPORT) is connected to the SDP address instead: it sends without an
	 * address and receives that address's packets; everything else still reaches
	 * the unconnected socket, so latching works as before.
	 */
	private connectSibling(host: string, port: number): void {
		this.dropSibling();
		if (this.closed || !isIPv4(host)) return;
		let local: { address: string; port: number };
		try {
			local = this.socket.address();
		} catch {
			return;
		}
		const sibling = dgram.createSocket({ type: "udp4", reusePort: true });
		this.sibling = sibling;
		// Without SO_REUSEPORT support, or on any failure, sends keep naming the address.
		sibling.on("error", () => {
			if (this.sibling === sibling) this.dropSibling();
		});
		sibling.on("message", (buf, rinfo) => this.receive(buf, rinfo));
		sibling.bind(local.port, local.address, () => {
			if (this.sibling !== sibling) return;
			sibling.connect(port, host, () => {
				if (this.sibling === sibling && !this.latched) this.useOut(sibling);
			});
		});
	}

	private dropSibling(): void {
		const sibling = this.sibling;
		if (!sibling) return;
		this.sibling = undefined;
		if (this.out === sibling) this.useOut(undefined);
		try {
			sibling.close();
		} catch {}
	}

	/** Send through `socket` from now on (connected), natively when its fd checks out. */
	private useOut(socket: dgram.Socket | undefined): void {
		this.out = socket;
		this.outFd = socket && this.batch ? socketFd(this.batch.native, socket, this.port) : undefined;
	}

	/** Pause sending without stopping the clock (far end put us on hold). */
	setMuted(muted: boolean): void {
		if (this.muted && !muted && this.sent > 0) this.markNext = true;
		this.muted = muted;
	}

	/** Start streaming `audio` encoded as `codec`. */
	play(audio: Uint8Array, codec: Codec): void {
		if (this.sending || this.closed) return;
		// A Buffer view over the same memory (no copy), for Buffer.copy in tick().
		this.audio = Buffer.from(audio.buffer, audio.byteOffset, audio.byteLength);
		this.pt = PAYLOAD[codec];
		if (this.batch) {
			try {
				this.soundId = this.batch.native.register(audio);
			} catch {
				// Not pinned: this call's packets go through dgram.
			}
		}
		this.sending = true;
		this.pacer.add(this);
	}

	/** Called by the pacer for packet `index`; false ends the stream. */
	tick(index: number): boolean {
		const audio = this.audio;
		if (!audio || this.closed) return false;
		const offset = index * SAMPLES;
		if (offset >= audio.length) {
			this.sending = false;
			queueMicrotask(() => this.events.finished());
			return false;
		}
		if (index !== this.nextIndex) {
			// The pacer skipped packets that were hopelessly late.
			this.skipped += index - this.nextIndex;
			this.count(STATS.skipped, this.skipped);
		}
		this.nextIndex = index + 1;
		if (this.remote && !this.muted) {
			const ts = (this.tsBase + offset) >>> 0;
			const first = this.sent === 0 || this.markNext;
			this.markNext = false;
			const batch = this.batch;
			if (batch && this.outFd !== undefined && this.soundId !== undefined) {
				// Native: header in the wake-up's batch, payload read in place at flush.
				const at = batch.add(this, this.outFd, this.soundId, offset, silenceFor(this.pt));
				writeHeader(batch.headers, this.pt, this.seq, ts, this.ssrc, first, at);
			} else {
				const buf = this.packet(offset);
				writeHeader(buf, this.pt, this.seq, ts, this.ssrc, first);
				this.sendBuffer(buf);
			}
			this.seq = (this.seq + 1) & 0xffff;
			this.sent++;
			this.count(STATS.sent, this.sent);
		}
		return true;
	}

	/** A packet the native sender could not send (send-batch.ts): through dgram instead. */
	resend(header: Uint8Array, offset: number): void {
		if (this.closed || !this.remote) return;
		const buf = this.packet(offset);
		buf.set(header, 0);
		this.sendBuffer(buf);
	}

	/** The packet at `offset` in a buffer (header still to write). */
	private packet(offset: number): Buffer {
		const queued = (this.out ?? this.socket).getSendQueueCount() > 0;
		return this.ring.take(this.audio as Buffer, offset, this.pt, queued);
	}

	private sendBuffer(buf: Buffer): void {
		const remote = this.remote;
		// A connected socket skips the per-datagram address and route lookups.
		if (this.out) this.out.send(buf);
		else if (remote) this.socket.send(buf, remote.port, remote.host);
	}

	private receive(buf: Buffer, rinfo: dgram.RemoteInfo): void {
		// Latched: only the latched peer's packets count (the kernel filters what the
		// connected socket receives; the unconnected one may still hear others).
		if (this.latched && (rinfo.address !== this.remote?.host || rinfo.port !== this.remote.port)) return;
		const pkt = parseRtp(buf);
		if (!pkt) return;
		if (!this.latched) {
			// Anyone can send to an open port: learn the source only once the far end has
			// answered with SDP, and only from a packet of a type we offered. Otherwise a
			// stranger's first packet would take the call's media (and its DTMF).
			if (!this.sdpRemote || !this.latchable(pkt.pt)) return;
			this.latch(rinfo.address, rinfo.port);
		}
		this.received++;
		this.count(STATS.received, this.received);
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

	/** Symmetric RTP: the far end's real source beats what its SDP claimed (NAT). */
	private latch(host: string, port: number): void {
		this.latched = true;
		const s = this.sibling;
		if (s && this.remote?.host === host && this.remote.port === port) {
			// The far end sends from its SDP address: the sibling is already connected to it.
			this.useOut(s);
			return;
		}
		this.dropSibling();
		this.remote = { host, port };
		// Connecting is what latching means at the socket level: from now on the
		// kernel only passes this peer's packets and sends need no address.
		this.socket.connect(port, host, () => {
			if (this.latched && this.remote?.host === host && this.remote.port === port) this.useOut(this.socket);
			else if (!this.closed) this.socket.disconnect(); // the latch moved on while connecting
		});
	}

	private count(field: number, value: number): void {
		const row = this.row;
		// A plain aligned 32-bit store: the main thread reads it with Atomics.load.
		if (row) row.table[row.slot * STATS.width + field] = value;
	}

	/** Counters so far. */
	stats(): MediaStats {
		return { sent: this.sent, received: this.received, skipped: this.skipped };
	}

	/** Stop sending and release the socket. */
	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.pacer.remove(this);
		if (this.soundId !== undefined) this.batch?.native.release(this.soundId);
		this.soundId = undefined;
		this.dropSibling();
		try {
			this.socket.close();
		} catch {}
	}
}

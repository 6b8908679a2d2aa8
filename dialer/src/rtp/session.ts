/**
 * One call's media: sends the prepared G.711 sound as 20 ms RTP packets from the
 * port we advertised (symmetric RTP), latches onto the far end's real source, and
 * reports RFC 4733 DTMF digits it receives.
 */
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { isIPv4 } from "node:net";
import type { Codec } from "../sdp/sdp.ts";
import { PAYLOAD } from "../sdp/sdp.ts";
import { socketFd } from "./native-send.ts";
import type { PacedStream, Pacer } from "./pacer.ts";
import { dtmfDigit, parseDtmf, parseRtp, RTP_HEADER, writeHeader } from "./packet.ts";
import { type CallMedia, type MediaEvents, type MediaStats, STATS } from "./protocol.ts";
import type { FallbackSender, SendBatch } from "./send-batch.ts";

/** Samples (= G.711 bytes) per 20 ms packet. */
export const SAMPLES = 160;
/**
 * Packet buffers per session, reused in rotation. Node hands a datagram to the
 * kernel synchronously when it can (try_send) and only keeps the buffer when the
 * socket is congested; a buffer is rewritten RING × 20 ms later, long after any
 * such send completed. Saves one allocation per packet (25,000/s at 500 calls).
 */
const RING = 4;

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
	private remote?: { host: string; port: number };
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
	private dtmfPt?: number;
	private lastDtmfTs = -1;
	private closed = false;
	private readonly ring: Buffer[] = [];
	private ringAt = 0;
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

	/** Point the stream at the address from the SDP answer (until a packet arrives from elsewhere). */
	setRemote(host: string, port: number, dtmfPt?: number): void {
		this.dtmfPt = dtmfPt;
		if (this.latched) return;
		const same = this.remote?.host === host && this.remote.port === port;
		this.remote = { host, port };
		if (!same) this.connectSibling(host, port);
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
			const first = this.sent === 0;
			const batch = this.batch;
			if (batch && this.outFd !== undefined && this.soundId !== undefined) {
				// Native: header in the wake-up's batch, payload read in place at flush.
				const at = batch.add(this, this.outFd, this.soundId, offset, this.silence());
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

	/** A ring buffer holding the payload at `offset` (header still to write). */
	private packet(offset: number): Buffer {
		const audio = this.audio as Buffer;
		let buf = this.ring[this.ringAt++ % RING];
		if (!buf) {
			buf = Buffer.allocUnsafeSlow(RTP_HEADER + SAMPLES);
			this.ring.push(buf);
		}
		// Buffer.copy takes offsets, so no subarray view is allocated per packet.
		const copied = audio.copy(buf, RTP_HEADER, offset, offset + SAMPLES);
		// The last packet is padded with silence of the right law.
		if (copied < SAMPLES) buf.fill(this.silence(), RTP_HEADER + copied);
		return buf;
	}

	/** The codec's silence byte (µ-law 0xff, A-law 0xd5). */
	private silence(): number {
		return this.pt === 0 ? 0xff : 0xd5;
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
		this.received++;
		this.count(STATS.received, this.received);
		if (!this.latched) {
			// Symmetric RTP: the far end's real source beats what its SDP claimed (NAT).
			this.latched = true;
			const s = this.sibling;
			if (s && this.remote?.host === rinfo.address && this.remote.port === rinfo.port) {
				// The far end sends from its SDP address: the sibling is already connected to it.
				this.useOut(s);
			} else {
				this.dropSibling();
				this.remote = { host: rinfo.address, port: rinfo.port };
				// Connecting is what latching means at the socket level: from now on the
				// kernel only passes this peer's packets and sends need no address.
				this.socket.connect(rinfo.port, rinfo.address, () => {
					this.useOut(this.socket);
				});
			}
		}
		if (this.dtmfPt !== undefined && pkt.pt === this.dtmfPt) {
			const ev = parseDtmf(pkt.payload);
			// One event spans many packets with the same timestamp: report it once.
			if (ev && pkt.ts !== this.lastDtmfTs) {
				this.lastDtmfTs = pkt.ts;
				const digit = dtmfDigit(ev.event);
				if (digit) this.events.dtmf(digit);
			}
		}
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

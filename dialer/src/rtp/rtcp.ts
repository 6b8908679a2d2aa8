/**
 * RTCP (RFC 3550 §6) as bytes: sender reports, SDES CNAME, BYE, compound
 * packets, the parsing of what the far end sends, and the receiver statistics
 * behind a reception report (Appendix A.1, A.3, A.8). Pure, for tests.
 */

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
	ssrc: number;
	/** Fraction lost since the last report, 0-255 (loss fraction × 256). */
	fractionLost: number;
	/** Cumulative packets lost (24-bit signed). */
	cumulativeLost: number;
	/** Extended highest sequence number received. */
	highestSeq: number;
	/** Interarrival jitter in timestamp units. */
	jitter: number;
	/** Middle 32 bits of the NTP timestamp of the last SR received, or 0. */
	lsr: number;
	/** Delay since that SR, in 1/65536 s, or 0. */
	dlsr: number;
}

/** What a sender report says about us. */
export interface SenderInfo {
	ssrc: number;
	/** Wall-clock time of the report, ms since the Unix epoch. */
	wallMs: number;
	/** The RTP timestamp that corresponds to `wallMs`. */
	rtpTs: number;
	packets: number;
	octets: number;
}

const NTP_OFFSET_S = 2_208_988_800; // 1900-01-01 to 1970-01-01
const SR = 200;
const RR = 201;
const SDES = 202;
const BYE = 203;

/** The 64-bit NTP timestamp of `wallMs` as [seconds, fraction]. */
export function ntpTime(wallMs: number): [number, number] {
	const seconds = Math.floor(wallMs / 1000);
	const frac = Math.floor(((wallMs - seconds * 1000) / 1000) * 2 ** 32);
	return [(seconds + NTP_OFFSET_S) >>> 0, frac >>> 0];
}

/** The middle 32 bits of an NTP timestamp (what LSR carries). */
export const ntpMiddle = ([sec, frac]: [number, number]): number =>
	(((sec & 0xffff) << 16) | (frac >>> 16)) >>> 0;

/** A sender report with zero or one report block. */
export function senderReport(me: SenderInfo, block?: ReportBlock): Uint8Array {
	const buf = new Uint8Array(28 + (block ? 24 : 0));
	const v = new DataView(buf.buffer);
	header(v, block ? 1 : 0, SR, buf.length);
	const [sec, frac] = ntpTime(me.wallMs);
	v.setUint32(4, me.ssrc >>> 0);
	v.setUint32(8, sec);
	v.setUint32(12, frac);
	v.setUint32(16, me.rtpTs >>> 0);
	v.setUint32(20, me.packets >>> 0);
	v.setUint32(24, me.octets >>> 0);
	if (block) {
		v.setUint32(28, block.ssrc >>> 0);
		// Fraction (8 bits) then cumulative lost (24-bit two's complement).
		const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)) & 0xffffff;
		v.setUint32(32, ((block.fractionLost & 0xff) << 24) | lost);
		v.setUint32(36, block.highestSeq >>> 0);
		v.setUint32(40, block.jitter >>> 0);
		v.setUint32(44, block.lsr >>> 0);
		v.setUint32(48, block.dlsr >>> 0);
	}
	return buf;
}

/** A receiver report (nothing sent yet) with zero or one report block. */
export function receiverReport(ssrc: number, block?: ReportBlock): Uint8Array {
	if (!block) {
		const buf = new Uint8Array(8);
		const v = new DataView(buf.buffer);
		header(v, 0, RR, 8);
		v.setUint32(4, ssrc >>> 0);
		return buf;
	}
	// The SR's report block sits at the same offset from its end: reuse the layout.
	const sr = senderReport({ ssrc, wallMs: 0, rtpTs: 0, packets: 0, octets: 0 }, block);
	const buf = new Uint8Array(8 + 24);
	buf.set(sr.subarray(0, 8));
	buf.set(sr.subarray(28), 8);
	header(new DataView(buf.buffer), 1, RR, buf.length);
	return buf;
}

/** An SDES packet with one chunk carrying CNAME (required in every compound packet). */
export function sdesCname(ssrc: number, cname: string): Uint8Array {
	const text = new TextEncoder().encode(cname.slice(0, 255));
	// Chunk: SSRC, item (type 1, length, text), then a null item and padding to 32 bits.
	const chunk = 4 + 2 + text.length + 1;
	const padded = Math.ceil(chunk / 4) * 4;
	const buf = new Uint8Array(4 + padded);
	const v = new DataView(buf.buffer);
	header(v, 1, SDES, buf.length);
	v.setUint32(4, ssrc >>> 0);
	buf[8] = 1;
	buf[9] = text.length;
	buf.set(text, 10);
	return buf;
}

/** A BYE packet for `ssrc`. */
export function bye(ssrc: number): Uint8Array {
	const buf = new Uint8Array(8);
	const v = new DataView(buf.buffer);
	header(v, 1, BYE, 8);
	v.setUint32(4, ssrc >>> 0);
	return buf;
}

/** Concatenate RTCP packets into one compound datagram. */
export function compound(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/** What we read out of a received compound packet. */
export interface ReceivedRtcp {
	/** Sender reports: who, and the middle of their NTP time (for our LSR). */
	reports: Array<{ ssrc: number; ntpMiddle: number }>;
}

/**
 * Parse a compound RTCP packet. Undefined unless every packet in it is well
 * formed (version 2, lengths inside the datagram) and the first is SR or RR.
 */
export function parseRtcp(buf: Uint8Array): ReceivedRtcp | undefined {
	const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
	const out: ReceivedRtcp = { reports: [] };
	let at = 0;
	while (at + 4 <= buf.length) {
		if (buf[at] >> 6 !== 2) return undefined;
		const pt = buf[at + 1];
		const len = (v.getUint16(at + 2) + 1) * 4;
		if (at + len > buf.length) return undefined;
		if (at === 0 && pt !== SR && pt !== RR) return undefined;
		if (pt === SR && len >= 28) {
			out.reports.push({
				ssrc: v.getUint32(at + 4),
				ntpMiddle: ntpMiddle([v.getUint32(at + 8), v.getUint32(at + 12)]),
			});
		}
		at += len;
	}
	return at === buf.length && at > 0 ? out : undefined;
}

function header(v: DataView, count: number, pt: number, bytes: number): void {
	v.setUint8(0, 0x80 | (count & 0x1f));
	v.setUint8(1, pt);
	v.setUint16(2, bytes / 4 - 1);
}

/**
 * What we know of the far end's RTP stream, for the report block: sequence
 * bookkeeping with wrap-around (A.1), loss (A.3) and interarrival jitter (A.8).
 */
export class ReceiverStats {
	ssrc = 0;
	private started = false;
	private baseSeq = 0;
	private maxSeq = 0;
	private cycles = 0;
	private received = 0;
	private expectedPrior = 0;
	private receivedPrior = 0;
	/** Jitter in timestamp units, ×16 as A.8 keeps it for precision. */
	private jitter16 = 0;
	private transit?: number;
	/** The last SR from this source: its NTP middle and when it arrived (ms, monotonic). */
	private lastSr?: { middle: number; at: number };

	/** Count an RTP packet that arrived at `arrivalMs` (monotonic); `rate`: the clock, 8000 for G.711. */
	onRtp(ssrc: number, seq: number, ts: number, arrivalMs: number, rate = 8000): void {
		if (!this.started || ssrc !== this.ssrc) {
			Object.assign(this, { ssrc, started: true, baseSeq: seq, maxSeq: seq, cycles: 0, received: 0 });
			Object.assign(this, { expectedPrior: 0, receivedPrior: 0, jitter16: 0, transit: undefined });
		}
		this.received++;
		const delta = (seq - this.maxSeq) & 0xffff;
		// In order (allowing gaps up to half the sequence space); older ones are late packets.
		if (delta !== 0 && delta < 0x8000) {
			if (seq < this.maxSeq) this.cycles += 0x10000;
			this.maxSeq = seq;
		}
		const arrival = Math.round((arrivalMs * rate) / 1000);
		const transit = (arrival - ts) | 0;
		if (this.transit !== undefined) {
			const d = Math.abs((transit - this.transit) | 0);
			this.jitter16 += d - ((this.jitter16 + 8) >> 4);
		}
		this.transit = transit;
	}

	/** Note a sender report from the far end (for LSR/DLSR). */
	onSenderReport(ntpMiddleValue: number, arrivalMs: number): void {
		this.lastSr = { middle: ntpMiddleValue, at: arrivalMs };
	}

	/** The report block as of `nowMs` (monotonic), or undefined before any RTP; resets the interval. */
	block(nowMs: number): ReportBlock | undefined {
		if (!this.started) return undefined;
		const extended = this.cycles + this.maxSeq;
		const expected = extended - this.baseSeq + 1;
		const lost = expected - this.received;
		const expectedInterval = expected - this.expectedPrior;
		const receivedInterval = this.received - this.receivedPrior;
		this.expectedPrior = expected;
		this.receivedPrior = this.received;
		const lostInterval = expectedInterval - receivedInterval;
		const fractionLost =
			expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
		const sr = this.lastSr;
		return {
			ssrc: this.ssrc,
			fractionLost: Math.min(255, fractionLost),
			cumulativeLost: lost,
			highestSeq: extended >>> 0,
			jitter: this.jitter16 >> 4,
			lsr: sr?.middle ?? 0,
			dlsr: sr ? Math.round(((nowMs - sr.at) / 1000) * 65536) >>> 0 : 0,
		};
	}
}

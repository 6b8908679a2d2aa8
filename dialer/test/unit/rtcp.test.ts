/**
 * RTCP bytes against RFC 3550's layouts (§6.4.1 SR, §6.4.2 RR, §6.5 SDES,
 * §6.6 BYE), the parser's refusals, and the receiver statistics behind a
 * report block: loss, sequence wrap-around (A.1), jitter (A.8), LSR/DLSR.
 */
import { describe, expect, it } from "vitest";
import {
	bye,
	compound,
	ntpMiddle,
	ntpTime,
	parseRtcp,
	ReceiverStats,
	receiverReport,
	sdesCname,
	senderReport,
} from "../../src/rtp/rtcp.ts";

const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at);
const u16 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint16(at);
const block = {
	ssrc: 0xabcdef01,
	fractionLost: 64,
	cumulativeLost: -1,
	highestSeq: 70000,
	jitter: 33,
	lsr: 0x12345678,
	dlsr: 65536,
};

describe("RTCP packets", () => {
	it("converts wall-clock time to NTP (seconds since 1900, 32-bit fraction)", () => {
		const ms = Date.UTC(2026, 11, 2, 0, 0, 0, 500);
		expect(ntpTime(ms)).toEqual([Date.UTC(2026, 11, 2) / 1000 + 2_208_988_800, 2 ** 31]);
		expect(ntpMiddle([0x0001abcd, 0x12340000])).toBe(0xabcd1234);
	});

	it("lays out a sender report, with and without a report block", () => {
		const me = {
			ssrc: 0x11223344,
			wallMs: Date.UTC(2026, 11, 2),
			rtpTs: 0xfffffff0,
			packets: 1000,
			octets: 160000,
		};
		const sr = senderReport(me);
		expect([sr.length, sr[0], sr[1], u16(sr, 2)]).toEqual([28, 0x80, 200, 6]);
		const [sec, frac] = ntpTime(me.wallMs);
		expect([u32(sr, 4), u32(sr, 8), u32(sr, 12), u32(sr, 16), u32(sr, 20), u32(sr, 24)]).toEqual([
			0x11223344,
			sec,
			frac,
			0xfffffff0,
			1000,
			160000,
		]);
		const withBlock = senderReport(me, block);
		expect([withBlock.length, withBlock[0], u16(withBlock, 2)]).toEqual([52, 0x81, 12]);
		// Fraction 64 and cumulative lost -1 as 24-bit two's complement.
		expect([u32(withBlock, 28), u32(withBlock, 32), u32(withBlock, 36), u32(withBlock, 40)]).toEqual([
			0xabcdef01, 0x40ffffff, 70000, 33,
		]);
		expect([u32(withBlock, 44), u32(withBlock, 48)]).toEqual([0x12345678, 65536]);
	});

	it("lays out a receiver report with the same block bytes", () => {
		const rr = receiverReport(7);
		expect([rr.length, rr[0], rr[1], u16(rr, 2), u32(rr, 4)]).toEqual([8, 0x80, 201, 1, 7]);
		const withBlock = receiverReport(7, block);
		expect([withBlock.length, withBlock[0], withBlock[1], u16(withBlock, 2)]).toEqual([32, 0x81, 201, 7]);
		expect([...withBlock.subarray(8)]).toEqual([
			...senderReport({ ssrc: 7, wallMs: 0, rtpTs: 0, packets: 0, octets: 0 }, block).subarray(28),
		]);
	});

	it("pads SDES to 32 bits with a terminating null item, and lays out BYE", () => {
		for (const cname of ["a", "ab", "abc", "hatch-dialer@203.0.113.7"]) {
			const p = sdesCname(9, cname);
			expect(p.length % 4).toBe(0);
			expect([p[0], p[1], u16(p, 2), u32(p, 4), p[8], p[9]]).toEqual([
				0x81,
				202,
				p.length / 4 - 1,
				9,
				1,
				cname.length,
			]);
			expect(new TextDecoder().decode(p.subarray(10, 10 + cname.length))).toBe(cname);
			expect(p[10 + cname.length]).toBe(0);
		}
		const b = bye(0xdeadbeef);
		expect([b.length, b[0], b[1], u16(b, 2), u32(b, 4)]).toEqual([8, 0x81, 203, 1, 0xdeadbeef]);
	});

	it("parses a compound packet back, and refuses malformed ones", () => {
		const me = { ssrc: 42, wallMs: Date.UTC(2026, 11, 2, 12), rtpTs: 1, packets: 2, octets: 320 };
		const pkt = compound([senderReport(me), sdesCname(42, "x@y"), bye(42)]);
		expect(parseRtcp(pkt)).toEqual({
			reports: [{ ssrc: 42, ntpMiddle: ntpMiddle(ntpTime(me.wallMs)) }],
		});
		expect(parseRtcp(compound([receiverReport(5), sdesCname(5, "z")]))).toEqual({ reports: [] });
		const v1 = pkt.slice();
		v1[0] = 0x40;
		const truncated = pkt.slice(0, pkt.length - 2);
		const trailing = compound([pkt, new Uint8Array([1, 2, 3])]);
		for (const bad of [
			v1,
			truncated,
			trailing,
			sdesCname(1, "no report first"),
			new Uint8Array(0),
			new Uint8Array(3),
		])
			expect(parseRtcp(bad)).toBeUndefined();
	});
});

describe("RTCP receiver statistics", () => {
	it("counts loss per interval and in all", () => {
		const s = new ReceiverStats();
		for (const seq of [100, 101, 102, 105, 106]) s.onRtp(1, seq, seq * 160, seq * 20);
		expect(s.block(0)).toMatchObject({
			ssrc: 1,
			cumulativeLost: 2,
			highestSeq: 106,
			fractionLost: Math.floor((2 * 256) / 7),
		});
		for (const seq of [107, 108]) s.onRtp(1, seq, seq * 160, seq * 20);
		expect(s.block(0)).toMatchObject({ cumulativeLost: 2, fractionLost: 0 });
	});

	it("extends the sequence number across a wrap and ignores a late packet", () => {
		const s = new ReceiverStats();
		for (const seq of [65534, 65535, 0, 1, 65535]) s.onRtp(1, seq, 0, 0);
		expect(s.block(0)).toMatchObject({ highestSeq: 65536 + 1, cumulativeLost: -1 });
	});

	it("computes interarrival jitter as RFC 3550 A.8 does", () => {
		const s = new ReceiverStats();
		// Arrivals 20 ms apart, timestamps alternately 40 samples early and late.
		let expected = 0;
		let last: number | undefined;
		for (let i = 0; i < 200; i++) {
			const ts = i * 160 + (i % 2 ? 40 : -40);
			const arrivalMs = i * 20;
			s.onRtp(1, i, ts, arrivalMs);
			const transit = arrivalMs * 8 - ts;
			if (last !== undefined) expected += (Math.abs(transit - last) - expected) / 16;
			last = transit;
		}
		const jitter = s.block(0)?.jitter ?? -1;
		expect(Math.abs(jitter - expected)).toBeLessThanOrEqual(1);
		expect(jitter).toBeGreaterThan(70);
		const steady = new ReceiverStats();
		for (let i = 0; i < 50; i++) steady.onRtp(2, i, i * 160, i * 20);
		expect(steady.block(0)?.jitter).toBe(0);
	});

	it("reports LSR and DLSR from the far end's last sender report", () => {
		const s = new ReceiverStats();
		expect(s.block(0)).toBeUndefined();
		s.onRtp(1, 1, 160, 0);
		expect(s.block(0)).toMatchObject({ lsr: 0, dlsr: 0 });
		s.onSenderReport(0xabcd1234, 1000);
		expect(s.block(2500)).toMatchObject({ lsr: 0xabcd1234, dlsr: 1.5 * 65536 });
	});
});

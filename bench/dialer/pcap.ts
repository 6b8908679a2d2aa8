/**
 * Reads the loopback capture (classic pcap, Ethernet or Linux cooked link
 * type) and measures RTP inter-arrival deviation from 20 ms per stream with the
 * kernel's timestamps, independent of any process's event loop.
 */
import { readFileSync } from "node:fs";

/** Jitter figures for one group of streams. */
export interface JitterStats {
	streams: number;
	packets: number;
	intervals: number;
	p50: number;
	p99: number;
	p999: number;
	max: number;
	meanPacketsPerStream: number;
	firstPacketSpanMs: number;
}

/**
 * Group RTP packets sent to `dstPort` by source port, classify each stream with
 * `group`, and compute |Δt − 20 ms| over consecutive sequence numbers.
 */
export function analyse(
	file: string,
	dstPort: number,
	group: (srcPort: number) => string | undefined,
): Record<string, JitterStats> {
	const buf = readFileSync(file);
	const magic = buf.readUInt32LE(0);
	const nano = magic === 0xa1b23c4d;
	if (magic !== 0xa1b2c3d4 && !nano) throw new Error("not a little-endian classic pcap file");
	const link = buf.readUInt32LE(20);
	const l2 = link === 1 ? 14 : link === 113 ? 16 : link === 276 ? 20 : -1;
	if (l2 < 0) throw new Error(`unsupported link type ${link}`);
	const streams = new Map<
		string,
		{ group: string; last: number; seq: number; packets: number; first: number }
	>();
	const devs = new Map<string, number[]>();
	let at = 24;
	for (let guard = 0; at + 16 <= buf.length && guard < 50_000_000; guard++) {
		const sec = buf.readUInt32LE(at);
		const frac = buf.readUInt32LE(at + 4);
		const incl = buf.readUInt32LE(at + 8);
		const pkt = at + 16;
		at = pkt + incl;
		const t = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
		const ip = pkt + l2;
		if (incl < l2 + 28 + 12 || buf[ip] >> 4 !== 4 || buf[ip + 9] !== 17) continue;
		const udp = ip + (buf[ip] & 0x0f) * 4;
		if (buf.readUInt16BE(udp + 2) !== dstPort) continue;
		const src = buf.readUInt16BE(udp);
		const rtp = udp + 8;
		const seq = buf.readUInt16BE(rtp + 2);
		// sipp sends every call from one port: a stream is (source port, SSRC).
		const key = `${src}/${buf.readUInt32BE(rtp + 8)}`;
		let s = streams.get(key);
		if (!s) {
			const g = group(src);
			if (!g) continue;
			s = { group: g, last: t, seq, packets: 1, first: t };
			streams.set(key, s);
			continue;
		}
		if (((seq - s.seq) & 0xffff) === 1) {
			let list = devs.get(s.group);
			if (!list) {
				list = [];
				devs.set(s.group, list);
			}
			list.push(Math.abs(t - s.last - 20));
		}
		s.last = t;
		s.seq = seq;
		s.packets++;
	}
	const out: Record<string, JitterStats> = {};
	for (const [g, list] of devs) {
		const sorted = Float64Array.from(list).sort();
		const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
		const mine = [...streams.values()].filter((s) => s.group === g);
		const firsts = mine.map((s) => s.first);
		out[g] = {
			streams: mine.length,
			packets: mine.reduce((a, s) => a + s.packets, 0),
			intervals: sorted.length,
			p50: pct(0.5),
			p99: pct(0.99),
			p999: pct(0.999),
			max: sorted[sorted.length - 1],
			meanPacketsPerStream: mine.reduce((a, s) => a + s.packets, 0) / mine.length,
			firstPacketSpanMs: Math.max(...firsts) - Math.min(...firsts),
		};
	}
	return out;
}

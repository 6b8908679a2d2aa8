/**
 * Writes G.711 audio as a pcap of RTP packets (Ethernet/IPv4/UDP, 20 ms apart),
 * the form sipp's play_pcap_audio sends from: a far end that talks, for tests
 * and bench/amd. sipp replays each packet's UDP payload at its capture time to
 * the media address of the SDP it received.
 */
import { writeFileSync } from "node:fs";
import { writeHeader } from "../../src/rtp/packet.ts";

const SAMPLES = 160;

/** The pcap bytes of `audio` (µ-law when `pt` is 0, A-law when 8) as one RTP stream. */
export function rtpPcap(audio: Uint8Array, pt = 0): Uint8Array {
	const packets = Math.ceil(audio.length / SAMPLES);
	const frame = 14 + 20 + 8 + 12 + SAMPLES;
	const out = Buffer.alloc(24 + packets * (16 + frame));
	out.writeUInt32LE(0xa1b2c3d4, 0);
	out.writeUInt16LE(2, 4);
	out.writeUInt16LE(4, 6);
	out.writeUInt32LE(65535, 16);
	out.writeUInt32LE(1, 20); // Ethernet
	let at = 24;
	for (let i = 0; i < packets; i++) {
		const us = i * 20_000;
		out.writeUInt32LE(Math.floor(us / 1e6), at);
		out.writeUInt32LE(us % 1e6, at + 4);
		out.writeUInt32LE(frame, at + 8);
		out.writeUInt32LE(frame, at + 12);
		const p = at + 16;
		out.writeUInt16BE(0x0800, p + 12);
		const ip = p + 14;
		out[ip] = 0x45;
		out.writeUInt16BE(20 + 8 + 12 + SAMPLES, ip + 2);
		out[ip + 8] = 64;
		out[ip + 9] = 17;
		out.writeUInt32BE(0x7f000001, ip + 12);
		out.writeUInt32BE(0x7f000001, ip + 16);
		let sum = 0;
		for (let k = 0; k < 20; k += 2) sum += out.readUInt16BE(ip + k);
		while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
		out.writeUInt16BE(~sum & 0xffff, ip + 10);
		const udp = ip + 20;
		out.writeUInt16BE(6000, udp);
		out.writeUInt16BE(6002, udp + 2);
		out.writeUInt16BE(8 + 12 + SAMPLES, udp + 4);
		const rtp = udp + 8;
		writeHeader(out, pt, i & 0xffff, i * SAMPLES, 0x5eed, i === 0, rtp);
		const chunk = audio.subarray(i * SAMPLES, (i + 1) * SAMPLES);
		out.set(chunk, rtp + 12);
		out.fill(pt === 0 ? 0xff : 0xd5, rtp + 12 + chunk.length, rtp + 12 + SAMPLES);
		at += 16 + frame;
	}
	return out;
}

/** Write {@link rtpPcap} to `path`. */
export function writeRtpPcap(path: string, audio: Uint8Array, pt = 0): void {
	writeFileSync(path, rtpPcap(audio, pt));
}

import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { Pacer } from "../../src/rtp/pacer.ts";
import { buildDtmf, parseRtp, RTP_HEADER, writeHeader } from "../../src/rtp/packet.ts";
import { PortPool } from "../../src/rtp/ports.ts";
import { MediaSession } from "../../src/rtp/session.ts";

interface Peer {
	socket: dgram.Socket;
	port: number;
	got: Array<{ seq: number; marker: boolean; from: number }>;
}

const open: dgram.Socket[] = [];
afterEach(() => {
	for (const s of open.splice(0)) s.close();
});

async function peer(): Promise<Peer> {
	const socket = dgram.createSocket("udp4");
	open.push(socket);
	const got: Peer["got"] = [];
	socket.on("message", (buf, rinfo) => {
		const p = parseRtp(buf);
		if (p) got.push({ seq: p.seq, marker: p.marker, from: rinfo.port });
	});
	await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
	return { socket, port: socket.address().port, got };
}

/** A telephone-event packet (digit 5) from `from` to the session's port. */
function sendDtmf(from: Peer, to: number, ts: number): void {
	const buf = new Uint8Array(RTP_HEADER + 4);
	writeHeader(buf, 101, ts & 0xffff, ts, 1234, false);
	buf.set(buildDtmf({ event: 5, end: false, volume: 10, duration: 160 }), RTP_HEADER);
	from.socket.send(buf, to, "127.0.0.1");
}

async function until(ok: () => boolean, what: string): Promise<void> {
	const end = Date.now() + 3000;
	while (!ok()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

async function session(digits: string[]) {
	const pool = new PortPool("127.0.0.1", 47000, 47998);
	const { socket, port } = await pool.bind();
	const media = new MediaSession(socket, port, new Pacer(20), {
		finished() {},
		dtmf: (d) => digits.push(d),
	});
	return media;
}

describe("media session (symmetric RTP)", () => {
	it("sends from its own port to the SDP address, then latches onto a NATed source", async () => {
		const sdp = await peer();
		const nat = await peer();
		const digits: string[] = [];
		const media = await session(digits);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(new Uint8Array(160 * 200).fill(0xff), "PCMU");
			await until(() => sdp.got.length >= 3, "packets at the SDP address");
			expect(sdp.got.every((p) => p.from === media.port)).toBe(true);
			expect(sdp.got[0].marker).toBe(true);
			for (let i = 1; i < sdp.got.length; i++) expect((sdp.got[i].seq - sdp.got[i - 1].seq) & 0xffff).toBe(1);

			sendDtmf(nat, media.port, 1000);
			await until(() => nat.got.length >= 3, "packets at the latched source");
			expect(digits).toEqual(["5"]);
			expect(nat.got.every((p) => p.from === media.port)).toBe(true);
			const before = sdp.got.length;
			await new Promise((r) => setTimeout(r, 100));
			// At most one packet was in flight when the latch happened.
			expect(sdp.got.length - before).toBeLessThanOrEqual(1);
			// Sequence numbers run on across the switch.
			const first = sdp.got[0].seq;
			const rel = [...sdp.got, ...nat.got].map((p) => (p.seq - first) & 0xffff).sort((a, b) => a - b);
			expect(rel).toEqual(rel.map((_, i) => i));

			// Once latched, the SDP address is just another stranger.
			sendDtmf(sdp, media.port, 2000);
			await new Promise((r) => setTimeout(r, 100));
			expect(digits).toEqual(["5"]);
		} finally {
			media.close();
		}
	});

	it("latches onto the SDP address when the far end sends from it, and ignores others", async () => {
		const sdp = await peer();
		const other = await peer();
		const digits: string[] = [];
		const media = await session(digits);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(new Uint8Array(160 * 200).fill(0xff), "PCMU");
			await until(() => sdp.got.length >= 2, "packets at the SDP address");
			sendDtmf(sdp, media.port, 1000);
			await until(() => digits.length === 1, "the digit");
			sendDtmf(other, media.port, 2000);
			const at = sdp.got.length;
			await until(() => sdp.got.length >= at + 3, "more packets at the SDP address");
			expect(digits).toEqual(["5"]);
			expect(other.got.length).toBe(0);
			expect(media.received).toBe(1);
		} finally {
			media.close();
		}
	});
});

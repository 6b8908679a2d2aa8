import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { loadNativeSend } from "../../src/rtp/native-send.ts";
import { StreamClock } from "../../src/rtp/native-streams.ts";
import { Pacer } from "../../src/rtp/pacer.ts";
import { buildDtmf, parseRtp, RTP_HEADER, writeHeader } from "../../src/rtp/packet.ts";
import { SAMPLES } from "../../src/rtp/packet-ring.ts";
import { PortPool } from "../../src/rtp/ports.ts";
import { parseRtcp, receiverReport } from "../../src/rtp/rtcp.ts";
import { SendBatch } from "../../src/rtp/send-batch.ts";
import { MediaSession } from "../../src/rtp/session.ts";

interface Peer {
	socket: dgram.Socket;
	port: number;
	got: Array<{ seq: number; pt: number; marker: boolean; from: number; ssrc: number; payload: number[] }>;
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
		if (p)
			got.push({
				seq: p.seq,
				pt: p.pt,
				marker: p.marker,
				from: rinfo.port,
				ssrc: p.ssrc,
				payload: [...p.payload],
			});
	});
	await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
	return { socket, port: socket.address().port, got };
}

/** A telephone-event packet (digit 5) from `from` to the session's port, as payload type `pt`. */
function sendDtmf(from: Peer, to: number, ts: number, pt = 101): void {
	const buf = new Uint8Array(RTP_HEADER + 4);
	writeHeader(buf, pt, ts & 0xffff, ts, 1234, false);
	buf.set(buildDtmf({ event: 5, end: false, volume: 10, duration: 160 }), RTP_HEADER);
	from.socket.send(buf, to, "127.0.0.1");
}

/** An audio packet of payload type `pt` (0: PCMU) from `from` to the session's port. */
function sendAudio(from: Peer, to: number, pt = 0): void {
	const buf = new Uint8Array(RTP_HEADER + 160).fill(0xff);
	writeHeader(buf, pt, 1, 160, 4321, false);
	from.socket.send(buf, to, "127.0.0.1");
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, what: string): Promise<void> {
	const end = Date.now() + 3000;
	while (!ok()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

/** A sound as the media thread gets it (shareSound): a view over a SharedArrayBuffer. */
const sound = (bytes: number) => new Uint8Array(new SharedArrayBuffer(bytes));

/**
 * The media thread's ways to send: the send clock's native streams (as shipped:
 * no JS per packet), the pacer's native batch (send clock off), and dgram (no addon).
 */
type Path = "streams" | "native" | "dgram";

function sender(path: Path): SendBatch | undefined {
	if (path === "dgram") return undefined;
	const r = loadNativeSend();
	if (!r.native) throw new Error(`the native sender is not built: ${r.error}`);
	return new SendBatch(r.native, SAMPLES);
}

function streamClock(batch: SendBatch): StreamClock {
	batch.native.clockStart(10, 0, 50);
	return new StreamClock(batch.native, 2, 5);
}

const batches: Array<SendBatch | undefined> = [];

/** A session on a fresh port pair; `rtcpMs`: its RTCP interval (short, for tests). */
async function session(digits: string[], path: Path = "native", finished = () => {}, rtcpMs = 5000) {
	const pool = new PortPool("127.0.0.1", 47000, 47998);
	const { socket, rtcp, port } = await pool.bind();
	const batch = sender(path);
	const streams = path === "streams" && batch ? streamClock(batch) : undefined;
	const pacer = new Pacer(20, undefined, 1, batch && (() => batch.flush()));
	if (streams) {
		// Streams: the clock's thread sends everything; a fall back to the pacer fails the test.
		pacer.add = () => {
			throw new Error("the pacer was asked to send a native stream's packets");
		};
	} else batches.push(batch);
	const media = new MediaSession(
		socket,
		port,
		pacer,
		{ finished, dtmf: (d) => digits.push(d) },
		{ batch, streams, rtcp: { socket: rtcp, cname: "test@127.0.0.1", intervalMs: rtcpMs } },
	);
	return media;
}

afterEach(() => {
	// The native batch really carried the packets (no silent fallback to dgram).
	for (const b of batches.splice(0)) if (b) expect([b.sent > 0, b.fallbacks]).toEqual([true, 0]);
});

describe.each<Path>(["streams", "native", "dgram"])("media session (symmetric RTP), %s sends", (path) => {
	it("sends the sound's bytes in order, the last packet padded with the codec's silence", async () => {
		for (const [codec, silence] of [
			["PCMU", 0xff],
			["PCMA", 0xd5],
		] as const) {
			const sdp = await peer();
			let done = false;
			const media = await session([], path, () => {
				done = true;
			});
			try {
				const bytes = sound(SAMPLES * 2 + 40);
				for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
				media.setRemote("127.0.0.1", sdp.port);
				media.play(bytes, codec);
				await until(() => done && sdp.got.length === 3, "three packets and the end");
				const payload = sdp.got.flatMap((p) => p.payload);
				expect(payload.slice(0, bytes.length)).toEqual([...bytes]);
				expect(payload.slice(bytes.length)).toEqual(new Array(SAMPLES - 40).fill(silence));
				expect(media.stats()).toEqual({ sent: 3, received: 0, skipped: 0 });
			} finally {
				media.close();
			}
		}
	});

	it("sends from its own port to the SDP address, then latches onto a NATed source", async () => {
		const sdp = await peer();
		const nat = await peer();
		const digits: string[] = [];
		const media = await session(digits, path);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(sound(160 * 200).fill(0xff), "PCMU");
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
		const media = await session(digits, path);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(sound(160 * 200).fill(0xff), "PCMU");
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

	it("latches onto nobody before the answer, nor onto a payload type we did not offer", async () => {
		const sdp = await peer();
		const stranger = await peer();
		const media = await session([], path);
		try {
			media.play(sound(160 * 200).fill(0xff), "PCMU");
			// Before any SDP answer: a stranger's packets are not media of this call.
			sendAudio(stranger, media.port);
			await pause(60);
			expect(media.received).toBe(0);
			media.setRemote("127.0.0.1", sdp.port, 101);
			await until(() => sdp.got.length >= 2, "packets at the SDP address");
			// A type we never offered (96) does not move the media either.
			sendAudio(stranger, media.port, 96);
			await pause(80);
			expect(media.received).toBe(0);
			expect(stranger.got.length).toBe(0);
			// Audio from the SDP address is the far end: latched, counted.
			sendAudio(sdp, media.port);
			await until(() => media.received === 1, "the far end's packet counted");
			const at = sdp.got.length;
			await until(() => sdp.got.length >= at + 2, "packets still at the SDP address");
			expect(stranger.got.length).toBe(0);
		} finally {
			media.close();
		}
	});

	it("reports DTMF sent with our offer's payload type when the answer named another", async () => {
		const sdp = await peer();
		const digits: string[] = [];
		const media = await session(digits, path);
		try {
			media.setRemote("127.0.0.1", sdp.port, 96);
			media.play(sound(160 * 200).fill(0xff), "PCMU");
			sendDtmf(sdp, media.port, 1000, 101);
			await until(() => digits.length === 1, "the digit on type 101");
			sendDtmf(sdp, media.port, 2000, 96);
			await until(() => digits.length === 2, "the digit on type 96");
			expect(digits).toEqual(["5", "5"]);
		} finally {
			media.close();
		}
	});

	it("follows a re-offer's new address after latching, and keeps the latch for the same one", async () => {
		const sdp = await peer();
		const nat = await peer();
		const moved = await peer();
		const media = await session([], path);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(sound(160 * 200).fill(0xff), "PCMU");
			await until(() => sdp.got.length >= 2, "packets at the SDP address");
			// The far end sends from behind a NAT: we latch onto that source.
			sendAudio(nat, media.port);
			await until(() => nat.got.length >= 3, "packets at the latched source");
			// A re-offer with the same address (hold/resume) keeps the latch.
			media.setRemote("127.0.0.1", sdp.port, 101);
			const kept = nat.got.length;
			await until(() => nat.got.length >= kept + 3, "packets still at the latched source");
			// A re-offer with another address moves the media there.
			media.setRemote("127.0.0.1", moved.port, 101);
			await until(() => moved.got.length >= 3, "packets at the new address");
			const left = nat.got.length;
			await pause(100);
			expect(nat.got.length - left).toBeLessThanOrEqual(1);
			// And the new far end's packets reach us: the socket no longer filters on the old one.
			sendAudio(moved, media.port);
			await until(() => media.received === 2, "the moved far end's packet counted");
			const seqs = [...sdp.got, ...nat.got, ...moved.got].map((p) => p.seq).sort((a, b) => a - b);
			expect(new Set(seqs).size).toBe(seqs.length);
		} finally {
			media.close();
		}
	});

	it("switches the law mid-stream when asked to play another codec: same position, marker set", async () => {
		const sdp = await peer();
		const media = await session([], path);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(sound(160 * 200).fill(0x11), "PCMU");
			await until(() => sdp.got.length >= 3, "µ-law packets");
			media.play(sound(160 * 200).fill(0x22), "PCMU"); // the same codec again changes nothing
			media.play(sound(160 * 200).fill(0x33), "PCMA");
			await until(() => sdp.got.some((p) => p.payload[0] === 0x33) && sdp.got.length >= 8, "A-law packets");
			const at = sdp.got.findIndex((p) => p.payload[0] === 0x33);
			expect(sdp.got.slice(0, at).every((p) => p.payload[0] === 0x11 && p.pt === 0)).toBe(true);
			expect(sdp.got[at].marker).toBe(true);
			expect(sdp.got.slice(at).every((p) => p.pt === 8)).toBe(true);
			expect(sdp.got.slice(at + 1).every((p) => p.payload[0] === 0x33 && !p.marker)).toBe(true);
			for (let i = 1; i < sdp.got.length; i++) expect((sdp.got[i].seq - sdp.got[i - 1].seq) & 0xffff).toBe(1);
		} finally {
			media.close();
		}
	});

	it("sets the marker bit on the first packet after a hold", async () => {
		const sdp = await peer();
		const media = await session([], path);
		try {
			media.setRemote("127.0.0.1", sdp.port, 101);
			media.play(sound(160 * 200).fill(0xff), "PCMU");
			await until(() => sdp.got.length >= 3, "packets before the hold");
			media.setMuted(true);
			await pause(60);
			const held = sdp.got.length;
			await pause(80);
			expect(sdp.got.length).toBe(held);
			media.setMuted(false);
			await until(() => sdp.got.length >= held + 3, "packets after the hold");
			expect(sdp.got.slice(0, held + 3).map((p) => p.marker)).toEqual([
				true,
				...new Array(held - 1).fill(false),
				true,
				false,
				false,
			]);
		} finally {
			media.close();
		}
	});
});

/** Whether a compound RTCP datagram (a well-formed one) carries a BYE (PT 203). */
function hasBye(b: Buffer | undefined): boolean {
	if (!b || !parseRtcp(b)) return false;
	for (let at = 0; at + 4 <= b.length; at += (b.readUInt16BE(at + 2) + 1) * 4)
		if (b[at + 1] === 203) return true;
	return false;
}

/** A far end on an RTP port and the RTCP port above it; what arrives on the RTCP one. */
async function farEndWithRtcp() {
	for (let tries = 0; tries < 20; tries++) {
		const rtp = await peer();
		const rtcp = dgram.createSocket("udp4");
		const ok = await new Promise<boolean>((resolve) => {
			rtcp.once("error", () => resolve(false));
			rtcp.bind(rtp.port + 1, "127.0.0.1", () => resolve(true));
		});
		if (!ok) continue;
		open.push(rtcp);
		const got: Buffer[] = [];
		rtcp.on("message", (b) => got.push(b));
		return { rtp, rtcpPort: rtp.port + 1, got };
	}
	throw new Error("no free port pair");
}

describe("media session RTCP", () => {
	it("reports before sending, then sends SR + SDES with a block once RTP arrives, and BYE at close", async () => {
		const far = await farEndWithRtcp();
		const media = await session([], "native", () => {}, 100);
		// What the media thread's sweep does every 500 ms (media-worker.ts), faster here.
		const sweep = setInterval(() => media.rtcpTick(performance.now()), 20);
		try {
			media.setRemote("127.0.0.1", far.rtp.port, 101);
			// Nothing sent yet: a receiver report (PT 201) with SDES.
			await until(() => far.got.length >= 1, "the first RTCP report");
			expect([far.got[0][1], parseRtcp(far.got[0])?.reports]).toEqual([201, []]);
			media.play(sound(160 * 200).fill(0xff), "PCMU");
			await until(() => far.rtp.got.length >= 5, "RTP");
			// The far end's audio from its SDP address: the next reports carry a block for it.
			for (let i = 0; i < 5; i++) sendAudio(far.rtp, media.port);
			const before = far.got.length;
			await until(
				() => far.got.slice(before).some((b) => b[1] === 200 && (b[0] & 0x1f) === 1),
				"an SR with a block",
			);
			const sr = far.got.slice(before).find((b) => b[1] === 200 && (b[0] & 0x1f) === 1) as Buffer;
			const v = new DataView(sr.buffer, sr.byteOffset, sr.length);
			// Our SSRC is the RTP stream's; packets and octets count what was sent by then.
			expect(v.getUint32(4)).toBe(far.rtp.got[0].ssrc);
			expect(v.getUint32(20)).toBeGreaterThan(0);
			expect(v.getUint32(24)).toBe(v.getUint32(20) * 160);
			expect(v.getUint32(28)).toBe(4321); // the far end's SSRC (sendAudio)
			const cname = new TextDecoder().decode(sr.subarray(sr.indexOf(1, 56) + 2)).replace(/\0+$/, "");
			expect(cname).toContain("test@127.0.0.1");
			const n = far.got.length;
			media.close();
			await until(() => far.got.length > n && hasBye(far.got[far.got.length - 1]), "BYE");
		} finally {
			clearInterval(sweep);
			media.close();
		}
	});

	it("follows the RTP peer only: a stranger's RTCP is ignored, the far end's RTCP port is learnt", async () => {
		const far = await farEndWithRtcp();
		// No RTP is played here: the dgram path, so the native batch's own check does not apply.
		const media = await session([], "dgram", () => {}, 50);
		const sweep = setInterval(() => media.rtcpTick(performance.now()), 10);
		const stranger = dgram.createSocket("udp4");
		const natted = dgram.createSocket("udp4");
		open.push(stranger, natted);
		const strangerGot: Buffer[] = [];
		const nattedGot: Buffer[] = [];
		stranger.on("message", (b) => strangerGot.push(b));
		natted.on("message", (b) => nattedGot.push(b));
		await new Promise<void>((r) => stranger.bind(0, "127.0.0.2", () => r()));
		await new Promise<void>((r) => natted.bind(0, "127.0.0.1", () => r()));
		try {
			media.setRemote("127.0.0.1", far.rtp.port, 101);
			await until(() => far.got.length >= 1, "a report at the SDP port + 1");
			const rtcpPort = media.port + 1;
			const rr = Buffer.from(receiverReport(99));
			// Another host's RTCP does not move our reports.
			stranger.send(rr, rtcpPort, "127.0.0.1");
			await pause(120);
			expect([media.rtcp?.received, strangerGot.length]).toEqual([0, 0]);
			// The far end's host from another port (NAT): learnt, reports go there.
			natted.send(rr, rtcpPort, "127.0.0.1");
			await until(() => nattedGot.length >= 1, "reports at the far end's RTCP source");
			expect(media.rtcp?.received).toBe(1);
			expect(strangerGot.length).toBe(0);
		} finally {
			clearInterval(sweep);
			media.close();
		}
	});

	it.each<Path>(["streams", "native"])(
		"stops RTP and RTCP while the far end disables the stream (port 0), and resumes (%s)",
		async (path) => {
			const far = await farEndWithRtcp();
			const media = await session([], path, () => {}, 50);
			const sweep = setInterval(() => media.rtcpTick(performance.now()), 10);
			try {
				media.setRemote("127.0.0.1", far.rtp.port, 101);
				media.play(sound(160 * 200).fill(0xff), "PCMU");
				await until(() => far.rtp.got.length >= 3 && far.got.length >= 1, "RTP and RTCP");
				media.setRemote("127.0.0.1", 0, 101);
				await pause(60);
				const [rtp, rtcp] = [far.rtp.got.length, far.got.length];
				await pause(200);
				expect([far.rtp.got.length, far.got.length]).toEqual([rtp, rtcp]);
				media.setRemote("127.0.0.1", far.rtp.port, 101);
				await until(() => far.rtp.got.length >= rtp + 3 && far.got.length > rtcp, "RTP and RTCP again");
			} finally {
				clearInterval(sweep);
				media.close();
			}
		},
	);
});

/**
 * The main thread ↔ media thread protocol with a real worker and real loopback
 * sockets: port allocation, play/finished, DTMF events, the shared stats table,
 * exhaustion, and what happens when the thread dies. Counts and orders only, no
 * timing: rate and jitter belong to bench/dialer.
 */
import dgram from "node:dgram";
import type { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.ts";
import { type MediaChannel, MediaError, MediaThread, shareSound } from "../../src/rtp/media-thread.ts";
import { buildDtmf, parseRtp, RTP_HEADER, writeHeader } from "../../src/rtp/packet.ts";
import type { MediaEvents } from "../../src/rtp/protocol.ts";
import { waitFor } from "../helpers.ts";

const threads: MediaThread[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
	for (const s of sockets.splice(0)) s.close();
	await Promise.all(threads.splice(0).map((t) => t.stop()));
});

function thread(
	over: { ports?: number; capacity?: number; nice?: number; realtime?: number } = {},
): MediaThread {
	const portMin = 36000 + 2 * Math.floor(Math.random() * 4000);
	const t = new MediaThread({
		host: "127.0.0.1",
		portMin,
		portMax: portMin + 2 * (over.ports ?? 20) - 1,
		capacity: over.capacity ?? 10,
		nice: over.nice ?? 0,
		realtime: over.realtime ?? 0,
		log: createLogger("silent"),
	});
	threads.push(t);
	return t;
}

function recorder() {
	const got = { finished: 0, digits: [] as string[], failed: [] as string[] };
	const events: MediaEvents = {
		finished: () => got.finished++,
		dtmf: (d) => got.digits.push(d),
		failed: (r) => got.failed.push(r),
	};
	return { got, events };
}

async function peer() {
	const socket = dgram.createSocket("udp4");
	sockets.push(socket);
	const packets: Array<{ seq: number; marker: boolean; from: number; first: number }> = [];
	socket.on("message", (buf, rinfo) => {
		const p = parseRtp(buf);
		if (p) packets.push({ seq: p.seq, marker: p.marker, from: rinfo.port, first: p.payload[0] });
	});
	await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
	return { socket, port: socket.address().port, packets };
}

describe("media thread", () => {
	it("opens even ports, plays the whole sound from the advertised port, reports finished and counts", async () => {
		const t = thread();
		const { got, events } = recorder();
		const a = await t.open(events);
		const b = await t.open(recorder().events);
		expect(a.port % 2).toBe(0);
		expect(b.port).not.toBe(a.port);
		const far = await peer();
		const sound = Uint8Array.from({ length: 160 * 10 }, (_, i) => Math.floor(i / 160));
		a.setRemote("127.0.0.1", far.port, 101);
		a.play(sound, "PCMU");
		await waitFor(() => got.finished === 1, 5000, "finished");
		const s = a.stats();
		// Under heavy load the pacer may skip (never burst) late packets: all 10 are accounted for.
		expect(s.sent + s.skipped).toBe(10);
		await waitFor(() => far.packets.length === s.sent, 2000, "every sent packet");
		expect(far.packets.every((p) => p.from === a.port)).toBe(true);
		expect(far.packets[0].marker).toBe(true);
		for (let i = 1; i < far.packets.length; i++)
			expect((far.packets[i].seq - far.packets[i - 1].seq) & 0xffff).toBe(1);
		expect(t.openCount).toBe(2);
		a.close();
		b.close();
		expect(t.openCount).toBe(0);
		expect(a.stats()).toEqual(s); // the final counts survive the row's reuse
	});

	it("reports RFC 4733 digits once per event and counts received packets", async () => {
		const t = thread();
		const { got, events } = recorder();
		const ch = await t.open(events);
		const far = await peer();
		ch.setRemote("127.0.0.1", far.port, 101);
		const dtmf = (ts: number, event: number) => {
			const buf = new Uint8Array(RTP_HEADER + 4);
			writeHeader(buf, 101, ts & 0xffff, ts, 77, false);
			buf.set(buildDtmf({ event, end: false, volume: 10, duration: 160 }), RTP_HEADER);
			far.socket.send(buf, ch.port, "127.0.0.1");
		};
		dtmf(1000, 11);
		dtmf(1000, 11); // the same event again (same timestamp): not a new digit
		await waitFor(() => ch.stats().received === 2, 5000, "two packets");
		dtmf(2000, 3);
		await waitFor(() => got.digits.length === 2, 5000, "second digit");
		expect(got.digits).toEqual(["#", "3"]);
		expect(ch.stats().received).toBe(3);
		ch.close();
	});

	it("shares one copy of a sound across calls", () => {
		const sound = new Uint8Array(320).fill(7);
		const shared = shareSound(sound);
		expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
		expect(shareSound(sound)).toBe(shared);
		expect(shareSound(shared)).toBe(shared);
		expect([...shared]).toEqual([...sound]);
	});

	it("refuses when ports or session slots run out, and reuses them after close", async () => {
		const one = thread({ ports: 1 });
		const first = await one.open(recorder().events);
		const err = await one.open(recorder().events).catch((e) => e);
		expect(err).toBeInstanceOf(MediaError);
		expect(err.code).toBe("RTP_PORTS_EXHAUSTED");
		first.close();
		const again = await one.open(recorder().events);
		expect(again.port).toBe(first.port);

		const slots = thread({ capacity: 1 });
		await slots.open(recorder().events);
		await expect(slots.open(recorder().events)).rejects.toBeInstanceOf(MediaError);
	});

	it("tells every open call when the thread dies, then starts a fresh one", async () => {
		const t = thread();
		const { got, events } = recorder();
		const ch: MediaChannel = await t.open(events);
		const worker = Reflect.get(t, "worker") as Worker;
		await worker.terminate();
		await waitFor(() => got.failed.length === 1, 5000, "failed");
		expect(got.failed[0]).toMatch(/media thread exited/);
		expect(t.openCount).toBe(0);
		ch.play(new Uint8Array(160), "PCMU"); // a no-op, not a throw
		const next = await t.open(recorder().events);
		expect(next.port % 2).toBe(0);
	});

	it("says whether it could raise the media thread's priority", async () => {
		const t = thread({ nice: -5 });
		await t.start();
		const p = t.priority;
		expect(p?.asked).toBe(-5);
		// Root or CAP_SYS_NICE: applied. Otherwise: an errno, and the thread runs as before.
		expect(p?.nice === -5 || typeof p?.error === "string").toBe(true);
		const plain = thread();
		await plain.start();
		expect(plain.priority).toEqual({ asked: 0 });
		// SCHED_FIFO through chrt: applied with CAP_SYS_NICE, else the reason and the nice fallback.
		const rt = thread({ realtime: 5, nice: -3 });
		await rt.start();
		expect(rt.priority?.realtime === 5 || typeof rt.priority?.realtimeError === "string").toBe(true);
		if (rt.priority?.realtimeError) expect(rt.priority.asked).toBe(-3);
	});

	it("sends RTCP from the odd port above the RTP port to the far end's RTP port + 1", async () => {
		const t = thread();
		const a = await t.open(recorder().events);
		// A far end on an even/odd pair (RTCP goes to the SDP port + 1).
		let far: Awaited<ReturnType<typeof peer>> | undefined;
		const rtcp = dgram.createSocket("udp4");
		sockets.push(rtcp);
		for (let i = 0; i < 20 && !far; i++) {
			const p = await peer();
			const ok = await new Promise<boolean>((resolve) => {
				rtcp.once("error", () => resolve(false));
				rtcp.bind(p.port + 1, "127.0.0.1", () => resolve(true));
			});
			if (ok) far = p;
		}
		if (!far) throw new Error("no free port pair");
		const got: Array<{ from: number; pt: number }> = [];
		rtcp.on("message", (b, rinfo) => got.push({ from: rinfo.port, pt: b[1] }));
		a.setRemote("127.0.0.1", far.port, 101);
		a.play(new Uint8Array(new SharedArrayBuffer(160 * 250)).fill(0xff), "PCMU");
		// The first report is due half an interval (2.5 s) after the session opened.
		await waitFor(() => got.length > 0, 6000, "an RTCP report");
		expect(got[0]).toEqual({ from: a.port + 1, pt: 200 });
	});
});

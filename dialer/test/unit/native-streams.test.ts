/**
 * The send clock's media streams (native/streams.c, stream-api.c) on real
 * loopback sockets: a stream registered once is sent packet by packet by the
 * clock's thread with the right RTP headers, payload and padding, on a 20 ms
 * beat; it follows a new route, holds while muted, ends with its sound, lets its
 * sound go on stop, and refuses bad arguments with stable codes.
 * npm test builds the addon; without it these tests fail.
 */
import dgram from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { loadNativeSend, type NativeSend, socketFd } from "../../src/rtp/native-send.ts";
import { waitFor } from "../helpers.ts";

const sockets: dgram.Socket[] = [];
afterEach(() => {
	for (const s of sockets.splice(0)) {
		try {
			s.close();
		} catch {}
	}
});

function native(): NativeSend {
	const r = loadNativeSend();
	if (!r.native) throw new Error(`the native sender is not built: ${r.error}`);
	r.native.clockStart(10, 0, 50);
	return r.native;
}

async function bound(): Promise<dgram.Socket> {
	const s = dgram.createSocket("udp4");
	sockets.push(s);
	await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
	return s;
}

/** A receiver (with each packet's arrival on the clock's time) and a sender whose fd the addon may use. */
async function pair(n: NativeSend, connect = true) {
	const peer = await bound();
	const got: Buffer[] = [];
	const at: number[] = [];
	peer.on("message", (b) => {
		got.push(b);
		at.push(n.monotonicMs());
	});
	const out = await bound();
	if (connect) await new Promise<void>((r) => out.connect(peer.address().port, "127.0.0.1", () => r()));
	const fd = socketFd(n, out, out.address().port);
	if (fd === undefined) throw new Error("no fd for a bound socket");
	return { peer, got, at, fd };
}

/** A sound of `bytes` bytes, byte i = i & 0xff, over a SharedArrayBuffer. */
function sound(n: NativeSend, bytes: number) {
	const audio = new Uint8Array(new SharedArrayBuffer(bytes));
	for (let i = 0; i < bytes; i++) audio[i] = i & 0xff;
	return { audio, id: n.register(audio) };
}

const rtp = (b: Buffer) => ({
	v: b[0] >> 6,
	marker: (b[1] & 0x80) !== 0,
	pt: b[1] & 0x7f,
	seq: b.readUInt16BE(2),
	ts: b.readUInt32BE(4),
	ssrc: b.readUInt32BE(8),
});

const ERR_RANGE = { name: "RangeError", code: "ERR_OUT_OF_RANGE" };

describe("native streams: the clock thread sends a registered stream", () => {
	it("sends every packet: RTP header, the sound's bytes, silence past its end, 20 ms apart; then ends", async () => {
		const n = native();
		const { got, at, fd } = await pair(n);
		const { audio, id } = sound(n, 3 * 160 + 40);
		const due = n.monotonicMs() + 10;
		const h = n.streamStart(id, fd, "", 0, 0, 0xff, 0xdeadbeef, 65534, 4294967000, 0, due, true);
		await waitFor(() => n.streamStats(h)[4] === 1 && got.length === 4, 5000, "four packets and the end");
		expect(got.map((b) => b.length)).toEqual([172, 172, 172, 172]);
		expect(got.map(rtp)).toEqual(
			[0, 1, 2, 3].map((i) => ({
				v: 2,
				marker: i === 0,
				pt: 0,
				seq: (65534 + i) & 0xffff,
				ts: (4294967000 + 160 * i) >>> 0,
				ssrc: 0xdeadbeef,
			})),
		);
		for (let i = 0; i < 3; i++)
			expect(got[i].subarray(12).equals(audio.subarray(160 * i, 160 * (i + 1)))).toBe(true);
		expect(got[3].subarray(12, 52).equals(audio.subarray(480))).toBe(true);
		expect([...got[3].subarray(52)]).toEqual(new Array(120).fill(0xff));
		// Never before its deadline, and on a 20 ms beat (loose bounds: a shared test machine).
		expect(at[0]).toBeGreaterThanOrEqual(due);
		expect(at[3] - at[0]).toBeGreaterThanOrEqual(55);
		// [sent, skipped, next index, next seq, ended]
		expect(n.streamStop(h)).toEqual([4, 0, 4, 2, 1]);
		expect(() => n.streamStats(h)).toThrow(expect.objectContaining(ERR_RANGE));
		n.release(id);
	});

	it("sends to an address from an unconnected socket, and starts at a later packet", async () => {
		const n = native();
		const { peer, got, fd } = await pair(n, false);
		const { audio, id } = sound(n, 4 * 160);
		const h = n.streamStart(
			id,
			fd,
			"127.0.0.1",
			peer.address().port,
			8,
			0xd5,
			7,
			100,
			0,
			2,
			n.monotonicMs() + 5,
			false,
		);
		await waitFor(() => got.length === 2, 5000, "packets 2 and 3");
		expect(got.map(rtp).map((p) => [p.pt, p.seq, p.ts, p.marker])).toEqual([
			[8, 100, 320, false],
			[8, 101, 480, false],
		]);
		expect(got[1].subarray(12).equals(audio.subarray(480))).toBe(true);
		n.streamStop(h);
		n.release(id);
	});

	it("follows a new route, holds while muted (timestamps run on), marks the first packet after", async () => {
		const n = native();
		const a = await pair(n);
		const b = await pair(n);
		const { id } = sound(n, 400 * 160);
		const h = n.streamStart(id, a.fd, "", 0, 0, 0xff, 1, 0, 0, 0, n.monotonicMs() + 5, true);
		await waitFor(() => a.got.length >= 2, 5000, "packets on a");
		n.streamRoute(h, b.fd, "", 0);
		const onA = a.got.length;
		await waitFor(() => b.got.length >= 2, 5000, "packets on b");
		expect(a.got.length).toBe(onA);
		expect(rtp(b.got[0]).seq).toBe(rtp(a.got[onA - 1]).seq + 1);
		n.streamMute(h, true);
		const [sentAtMute, , indexAtMute] = n.streamStats(h);
		// Muted: the index (and with it the timestamp) moves on while nothing is sent.
		await waitFor(() => n.streamStats(h)[2] >= indexAtMute + 3, 5000, "three muted intervals");
		expect(n.streamStats(h)[0]).toBe(sentAtMute);
		const before = b.got.length;
		n.streamMute(h, false);
		await waitFor(() => b.got.length > before + 1, 5000, "packets after the hold");
		const resumed = b.got.slice(before).map(rtp);
		const last = rtp(b.got[before - 1]);
		expect(resumed[0].marker).toBe(true);
		expect(resumed[1].marker).toBe(false);
		expect(resumed[0].seq).toBe(last.seq + 1);
		expect(resumed[0].ts - last.ts).toBeGreaterThanOrEqual(4 * 160);
		// No route (fd -1): nothing goes out, nothing counts as sent.
		n.streamRoute(h, -1, "", 0);
		const [sentNow, , indexNow] = n.streamStats(h);
		const total = a.got.length + b.got.length;
		await waitFor(() => n.streamStats(h)[2] >= indexNow + 3, 5000, "three intervals without a route");
		expect(a.got.length + b.got.length).toBeLessThanOrEqual(total + 1); // one may have been in flight
		expect(n.streamStats(h)[0]).toBeLessThanOrEqual(sentNow + 1);
		n.streamStop(h);
		n.release(id);
	});

	it("holds its own registration of the sound until stopped", async () => {
		const n = native();
		const { fd } = await pair(n);
		const { id } = sound(n, 100 * 160);
		const h = n.streamStart(id, fd, "", 0, 0, 0xff, 1, 0, 0, 0, n.monotonicMs() + 5, false);
		n.release(id); // the caller's own registration
		await waitFor(() => n.streamStats(h)[0] >= 2, 5000, "packets after the caller let go");
		n.streamStop(h);
		expect(() => n.release(id)).toThrow(expect.objectContaining(ERR_RANGE));
	});
});

describe("native streams: refusals", () => {
	it("refuses a bad sound, route, field or handle with a stable code, starting nothing", async () => {
		const n = native();
		const { fd } = await pair(n);
		const { id } = sound(n, 160);
		const at = n.monotonicMs() + 5;
		type Args = Parameters<NativeSend["streamStart"]>;
		const good: Args = [id, fd, "", 0, 0, 0xff, 1, 0, 0, 0, at, false];
		const bad = (i: number, v: unknown) => {
			const args = [...good] as unknown[];
			args[i] = v;
			return () => n.streamStart(...(args as Args));
		};
		expect(bad(0, 999)).toThrow(expect.objectContaining(ERR_RANGE)); // no such sound
		expect(bad(2, "example.com")).toThrow(expect.objectContaining(ERR_RANGE)); // not an IPv4 address
		const noPort = [...good] as unknown[];
		noPort[2] = "127.0.0.1";
		expect(() => n.streamStart(...(noPort as Args))).toThrow(expect.objectContaining(ERR_RANGE));
		expect(bad(1, -2)).toThrow(expect.objectContaining(ERR_RANGE));
		expect(bad(4, 128)).toThrow(expect.objectContaining(ERR_RANGE));
		expect(bad(6, 2 ** 32)).toThrow(expect.objectContaining(ERR_RANGE));
		expect(bad(10, Number.NaN)).toThrow(
			expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }),
		);
		expect(bad(11, 1)).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }));
		expect(() => n.streamRoute(12345, fd, "", 0)).toThrow(expect.objectContaining(ERR_RANGE));
		expect(() => n.streamMute(-1, true)).toThrow(expect.objectContaining(ERR_RANGE));
		expect(() => n.streamStop(12345)).toThrow(expect.objectContaining(ERR_RANGE));
		// Every refusal left the sound with the caller's one registration.
		n.release(id);
		expect(() => n.release(id)).toThrow(expect.objectContaining(ERR_RANGE));
	});
});

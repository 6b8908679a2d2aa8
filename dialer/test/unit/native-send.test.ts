/**
 * The native RTP sender (native/rtp-send.c) on real loopback sockets: the bytes
 * on the wire, the end-of-sound padding, sound pinning, the fd check, and every
 * refusal (bad arguments throw; a row the kernel refuses reports -errno and
 * nothing else). npm test builds the addon; without it these tests fail.
 */

import dgram from "node:dgram";
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadNativeSend, NATIVE_SEND_PATH, type NativeSend, socketFd } from "../../src/rtp/native-send.ts";
import { writeHeader } from "../../src/rtp/packet.ts";
import { waitFor } from "../helpers.ts";

const EBADF = -9;
const EINVAL = -22;
const EDESTADDRREQ = -89;

const sockets: dgram.Socket[] = [];
afterEach(() => {
	for (const s of sockets.splice(0)) {
		try {
			s.close();
		} catch {}
	}
});

/** A sound as the media thread has it: over a SharedArrayBuffer. */
const shared = (bytes: number) => new Uint8Array(new SharedArrayBuffer(bytes));

function native(): NativeSend {
	const r = loadNativeSend();
	if (!r.native) throw new Error(`the native sender is not built (${NATIVE_SEND_PATH}): ${r.error}`);
	return r.native;
}

async function bound(): Promise<dgram.Socket> {
	const s = dgram.createSocket("udp4");
	sockets.push(s);
	await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
	return s;
}

/** A receiving peer, and a sending socket connected to it with its checked fd. */
async function pair(n: NativeSend) {
	const peer = await bound();
	const got: Buffer[] = [];
	peer.on("message", (b) => got.push(b));
	const out = await bound();
	await new Promise<void>((r) => out.connect(peer.address().port, "127.0.0.1", () => r()));
	const fd = socketFd(n, out, out.address().port);
	if (fd === undefined) throw new Error("no fd for a bound, connected socket");
	return { peer, got, out, fd };
}

describe("native RTP sender: the addon", () => {
	it("is built where the media thread loads it", () => {
		expect(existsSync(NATIVE_SEND_PATH)).toBe(true);
		const r = loadNativeSend();
		expect(r.native && Object.keys(r.native).sort()).toEqual([
			"batchMode",
			"clockStart",
			"clockStats",
			"forget",
			"localPort",
			"monotonicMs",
			"queue",
			"register",
			"release",
			"send",
			"streamMute",
			"streamRoute",
			"streamStart",
			"streamStats",
			"streamStop",
			"timerSlack",
		]);
	});

	it("reports a missing or foreign file instead of throwing", () => {
		expect(loadNativeSend("/nonexistent/rtp-send.node")).toEqual({
			error: expect.stringContaining("Cannot find"),
		});
		const r = loadNativeSend(new URL("../../src/rtp/pacer.ts", import.meta.url).pathname);
		expect(r.native).toBeUndefined();
	});
});

describe.each(["io_uring", "sendmsg"] as const)("native RTP sender: packets, batches through %s", (mode) => {
	// Every test below runs on both ways to the kernel; io_uring is the shipped one.
	beforeEach(() => {
		expect(native().batchMode(mode)).toBe(mode);
	});
	afterAll(() => {
		native().batchMode("sendmsg");
	});

	it("sends header + the sound's bytes in place, and pads the last packet with the pad byte", async () => {
		const n = native();
		const { got, fd } = await pair(n);
		// 2.25 packets of distinct bytes, in a SharedArrayBuffer as the media thread has them.
		const sound = new Uint8Array(new SharedArrayBuffer(160 * 2 + 40));
		for (let i = 0; i < sound.length; i++) sound[i] = i % 251;
		const id = n.register(sound);
		const headers = new Uint8Array(36);
		const rows = new Int32Array(12);
		for (let i = 0; i < 3; i++) {
			writeHeader(headers, 0, 100 + i, 1000 + 160 * i, 0xcafe, i === 0, i * 12);
			rows.set([fd, id, 160 * i, 0xff], i * 4);
		}
		expect(n.send(headers, rows, 3, 160)).toBe(3);
		await waitFor(() => got.length === 3, 5000, "three packets");
		for (let i = 0; i < 3; i++) {
			const p = got[i];
			expect(p.length).toBe(172);
			expect([...p.subarray(0, 12)]).toEqual([...headers.subarray(i * 12, i * 12 + 12)]);
		}
		expect([...got[0].subarray(12)]).toEqual([...sound.subarray(0, 160)]);
		expect([...got[1].subarray(12)]).toEqual([...sound.subarray(160, 320)]);
		expect([...got[2].subarray(12, 52)]).toEqual([...sound.subarray(320)]);
		expect([...got[2].subarray(52)]).toEqual(new Array(120).fill(0xff));
		n.release(id);
	});

	it("sends pure padding for an offset past the end (A-law silence)", async () => {
		const n = native();
		const { got, fd } = await pair(n);
		const id = n.register(shared(160).fill(1));
		const rows = Int32Array.of(fd, id, 400, 0xd5);
		expect(n.send(new Uint8Array(12), rows, 1, 160)).toBe(1);
		await waitFor(() => got.length === 1, 5000, "the packet");
		expect([...got[0].subarray(12)]).toEqual(new Array(160).fill(0xd5));
		n.release(id);
	});

	it("reports -errno per row and still sends the others", async () => {
		const n = native();
		const { got, fd } = await pair(n);
		const id = n.register(shared(320));
		const closed = await bound();
		const closedFd = socketFd(n, closed, closed.address().port) as number;
		closed.close();
		sockets.splice(sockets.indexOf(closed), 1);
		const rows = Int32Array.of(closedFd, id, 0, 0xff, fd, 9999, 0, 0xff, fd, id, -1, 0xff, fd, id, 160, 0xff);
		expect(n.send(new Uint8Array(48), rows, 4, 160)).toBe(1);
		expect([rows[0], rows[4], rows[8], rows[12]]).toEqual([EBADF, EINVAL, EINVAL, fd]);
		await waitFor(() => got.length === 1, 5000, "the one good packet");
		n.release(id);
	});

	it("reports the kernel's refusal for a valid fd (no destination: EDESTADDRREQ)", async () => {
		const n = native();
		const unconnected = await bound();
		const fd = socketFd(n, unconnected, unconnected.address().port) as number;
		const id = n.register(shared(160));
		const rows = Int32Array.of(fd, id, 0, 0xff);
		expect(n.send(new Uint8Array(12), rows, 1, 160)).toBe(0);
		expect(rows[0]).toBe(EDESTADDRREQ);
		n.release(id);
	});
});

describe("native RTP sender: timer slack", () => {
	it("sets the calling thread's timer slack and says what it was", () => {
		const n = native();
		const before = n.timerSlack(1000);
		expect(before).toBeGreaterThan(0);
		expect(n.timerSlack(before)).toBe(1000);
		expect(() => n.timerSlack(0)).toThrow(RangeError);
	});
});

describe("native RTP sender: batch mode", () => {
	it("answers which way batches go, and refuses anything but io_uring or sendmsg", () => {
		const n = native();
		expect(n.batchMode()).toBe("sendmsg");
		expect(n.batchMode("io_uring")).toBe("io_uring");
		expect(n.batchMode()).toBe("io_uring");
		expect(() => n.batchMode("uring" as "io_uring")).toThrow(/io_uring|sendmsg/);
		expect(n.batchMode("sendmsg")).toBe("sendmsg");
	});

	it("sends a batch larger than the ring in pieces, every packet once", async () => {
		const n = native();
		expect(n.batchMode("io_uring")).toBe("io_uring");
		// Six peers, so that no receive buffer overflows: a drop would not be the sender's.
		let got = 0;
		const fds: number[] = [];
		for (let k = 0; k < 6; k++) {
			const peer = await bound();
			peer.on("message", () => got++);
			const out = await bound();
			await new Promise<void>((r) => out.connect(peer.address().port, "127.0.0.1", () => r()));
			fds.push(socketFd(n, out, out.address().port) as number);
		}
		const id = n.register(shared(160));
		const count = 1500; // the ring holds 1024
		const rows = new Int32Array(count * 4);
		for (let i = 0; i < count; i++) rows.set([fds[i % 6], id, 0, 0xff], i * 4);
		expect(n.send(new Uint8Array(count * 12), rows, count, 160)).toBe(count);
		await waitFor(() => got === count, 5000, "every packet");
		n.batchMode("sendmsg");
		n.release(id);
	});
});

describe("native RTP sender: sounds and fds", () => {
	it("gives views of the same memory one id, counted, and refuses a release too many", () => {
		const n = native();
		const sab = new SharedArrayBuffer(320);
		const a = n.register(new Uint8Array(sab));
		// What postMessage delivers: a new object over the same memory.
		const b = n.register(new Uint8Array(sab));
		const other = n.register(new Uint8Array(sab, 160));
		expect(b).toBe(a);
		expect(other).not.toBe(a);
		n.release(a);
		n.release(b);
		n.release(other);
		expect(() => n.release(a)).toThrow(RangeError);
		expect(() => n.release(-1)).toThrow(RangeError);
	});

	it("refuses a sound over a plain ArrayBuffer, which could be detached while pinned", () => {
		const n = native();
		const plain = new Uint8Array(160);
		expect(() => n.register(plain)).toThrow(/SharedArrayBuffer/);
		// Transferring it detaches it: the reason the addon will not hold such memory.
		structuredClone(plain.buffer, { transfer: [plain.buffer] });
		expect(plain.byteLength).toBe(0);
	});

	it("checks an fd by its bound port", async () => {
		const n = native();
		const s = await bound();
		const port = s.address().port;
		const fd = socketFd(n, s, port) as number;
		expect(fd).toBeGreaterThan(2);
		expect(n.localPort(fd)).toBe(port);
		expect(socketFd(n, s, port + 1)).toBeUndefined();
		expect(n.localPort(-1)).toBe(-1);
		expect(socketFd(n, dgram.createSocket("udp4"), port)).toBeUndefined();
	});

	it("throws on arguments of the wrong type or size, sending nothing", async () => {
		const n = native();
		const { got, fd } = await pair(n);
		const id = n.register(shared(160));
		const rows = Int32Array.of(fd, id, 0, 0xff);
		const h = new Uint8Array(12);
		const bad: Array<[() => unknown, ErrorConstructor]> = [
			[() => n.send([] as unknown as Uint8Array, rows, 1, 160), TypeError],
			[() => n.send(h, new Uint8Array(16) as unknown as Int32Array, 1, 160), TypeError],
			[() => n.send(h, rows, "1" as unknown as number, 160), TypeError],
			[() => n.send(h, rows, 2, 160), RangeError],
			[() => n.send(h, rows, -1, 160), RangeError],
			[() => n.send(h, rows, 1, 4096), RangeError],
			[() => n.register("sound" as unknown as Uint8Array), TypeError],
			[() => n.localPort(undefined as unknown as number), TypeError],
		];
		for (const [call, type] of bad) expect(call).toThrow(type);
		await new Promise((r) => setTimeout(r, 50));
		expect(got.length).toBe(0);
		n.release(id);
	});
});

describe("native RTP sender: the send clock", () => {
	/** Queue one packet per (fd, due) with its index as seq; returns how many were queued. */
	function queue(n: NativeSend, id: number, packets: Array<[fd: number, due: number, seq: number]>): number {
		const headers = new Uint8Array(12 * packets.length);
		const rows = new Int32Array(4 * packets.length);
		const dues = new Float64Array(packets.length);
		packets.forEach(([fd, due, seq], i) => {
			writeHeader(headers, 0, seq, 160 * seq, 0xbeef, false, i * 12);
			rows.set([fd, id, 0, 0xff], i * 4);
			dues[i] = due;
		});
		return n.queue(headers, rows, dues, packets.length, 160);
	}
	const seqOf = (b: Buffer) => b.readUInt16BE(2);

	it("runs one thread per environment and says how it runs", () => {
		const n = native();
		const how = n.clockStart(10, 0, 50);
		expect(how).toMatch(/^(fifo 10|fifo refused .*nice -?\d+), (io_uring|send\(\))$/);
		expect(n.clockStart(10, 0, 50)).toBe("already running");
		expect(() => n.clockStart(100, 0, 50)).toThrow(RangeError);
	});

	it("sends each queued packet at its deadline, not before, in deadline order", async () => {
		const n = native();
		n.clockStart(10, 0, 50);
		const { got, fd } = await pair(n);
		const arrived: number[] = [];
		const peerAt = got.push.bind(got);
		got.push = (...b: Buffer[]) => {
			arrived.push(n.monotonicMs());
			return peerAt(...b);
		};
		const id = n.register(shared(160).fill(7));
		const t0 = n.monotonicMs();
		// Queued out of order: the clock sends by deadline.
		expect(
			queue(n, id, [
				[fd, t0 + 120, 2],
				[fd, t0 + 60, 1],
			]),
		).toBe(2);
		await waitFor(() => got.length === 2, 5000, "both packets");
		expect(got.map(seqOf)).toEqual([1, 2]);
		// Received no earlier than due (the receiver's clock reading comes after the send).
		expect(arrived[0]).toBeGreaterThanOrEqual(t0 + 60);
		expect(arrived[1]).toBeGreaterThanOrEqual(t0 + 120);
		expect([...got[0].subarray(12)]).toEqual(new Array(160).fill(7));
		const [sent, failed] = n.clockStats();
		expect(sent).toBeGreaterThanOrEqual(2);
		expect(failed).toBe(0);
		n.release(id);
	});

	it("forget(fd) drops its queued packets; forget(fd, to) hands them to another socket", async () => {
		const n = native();
		n.clockStart(10, 0, 50);
		const a = await pair(n);
		const b = await pair(n);
		const id = n.register(shared(160));
		const t0 = n.monotonicMs();
		// a: 1 and 2 queued, then dropped; 3, queued after, is the marker that a got nothing else.
		queue(n, id, [
			[a.fd, t0 + 80, 1],
			[a.fd, t0 + 90, 2],
		]);
		n.forget(a.fd);
		queue(n, id, [[a.fd, t0 + 100, 3]]);
		// b's fd: 4 moves to a's socket (a is connected to its own peer: it arrives there).
		queue(n, id, [[b.fd, t0 + 110, 4]]);
		n.forget(b.fd, a.fd);
		await waitFor(() => a.got.length === 2, 5000, "the marker and the moved packet");
		expect(a.got.map(seqOf)).toEqual([3, 4]);
		expect(b.got).toEqual([]);
		n.release(id);
	});

	it("refuses rows it cannot queue with -errno, queueing the rest", async () => {
		const n = native();
		n.clockStart(10, 0, 50);
		const { got, fd } = await pair(n);
		const id = n.register(shared(160));
		const t0 = n.monotonicMs();
		const headers = new Uint8Array(36);
		const rows = Int32Array.of(fd, 999, 0, 0, fd, id, 0, 0, fd, id, 0, 0);
		const dues = Float64Array.of(t0, Number.NaN, t0 + 10);
		expect(n.queue(headers, rows, dues, 3, 160)).toBe(1);
		expect([rows[0], rows[4], rows[8]]).toEqual([EINVAL, EINVAL, fd]);
		await waitFor(() => got.length === 1, 5000, "the valid packet");
		n.release(id);
	});
});

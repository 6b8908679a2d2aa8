/**
 * SendBatch with a scripted native sender: what reaches send() per flush, and
 * that a packet the kernel (or the addon) refused goes back to its own session
 * with its own header and offset, so nothing is lost on the way to dgram.
 */
import { describe, expect, it } from "vitest";
import type { NativeSend } from "../../src/rtp/native-send.ts";
import { SendBatch } from "../../src/rtp/send-batch.ts";

interface Call {
	n: number;
	payloadLen: number;
	rows: number[];
	headers: number[];
}

/** A native sender that records each send and fails the rows `fail` names (by fd). */
function scripted(fail: (fd: number) => number | undefined = () => undefined, throws = false) {
	const calls: Call[] = [];
	const queued: number[][] = [];
	const native: NativeSend = {
		register: () => 0,
		release: () => {},
		localPort: () => -1,
		batchMode: () => "sendmsg",
		timerSlack: () => -1,
		clockStart: () => "",
		monotonicMs: () => performance.now() + 1000,
		queue(headers, rows, dues, n, payloadLen) {
			queued.push([...dues.subarray(0, n)]);
			return native.send(headers, rows, n, payloadLen);
		},
		forget: () => {},
		clockStats: () => [0, 0, 0, 0, 0],
		streamStart: () => 0,
		streamRoute: () => {},
		streamMute: () => {},
		streamStats: () => [0, 0, 0, 0, 0],
		streamStop: () => [0, 0, 0, 0, 0],
		send(headers, rows, n, payloadLen) {
			calls.push({
				n,
				payloadLen,
				rows: [...rows.subarray(0, n * 4)],
				headers: [...headers.subarray(0, n * 12)],
			});
			if (throws) throw new RangeError("refused");
			let sent = 0;
			for (let i = 0; i < n; i++) {
				const err = fail(rows[i * 4]);
				if (err === undefined) sent++;
				else rows[i * 4] = err;
			}
			return sent;
		},
	};
	return { native, calls, queued };
}

function owner(name: string, log: Array<[string, number[], number]>) {
	return { resend: (header: Uint8Array, offset: number) => log.push([name, [...header], offset]) };
}

describe("SendBatch", () => {
	it("hands every packet of a wake-up to one send, headers where add() said", () => {
		const { native, calls } = scripted();
		const batch = new SendBatch(native, 160);
		const log: Array<[string, number[], number]> = [];
		const at1 = batch.add(owner("a", log), 7, 1, 0, 0xff);
		batch.headers.fill(1, at1, at1 + 12);
		const at2 = batch.add(owner("b", log), 8, 2, 160, 0xd5);
		batch.headers.fill(2, at2, at2 + 12);
		batch.flush();
		expect(calls).toEqual([
			{
				n: 2,
				payloadLen: 160,
				rows: [7, 1, 0, 0xff, 8, 2, 160, 0xd5],
				headers: [...new Array(12).fill(1), ...new Array(12).fill(2)],
			},
		]);
		expect(batch.sent).toBe(2);
		expect(log).toEqual([]);
		// An empty wake-up costs no call.
		batch.flush();
		expect(calls.length).toBe(1);
	});

	it("gives a refused packet back to its own session with its header and offset", () => {
		const { native } = scripted((fd) => (fd === 8 ? -11 : undefined));
		const batch = new SendBatch(native, 160);
		const log: Array<[string, number[], number]> = [];
		for (const [name, fd, offset] of [
			["a", 7, 0],
			["b", 8, 320],
			["c", 9, 480],
		] as const) {
			const at = batch.add(owner(name, log), fd, 0, offset, 0xff);
			batch.headers.fill(fd, at, at + 12);
		}
		batch.flush();
		expect(log).toEqual([["b", new Array(12).fill(8), 320]]);
		expect([batch.sent, batch.fallbacks]).toEqual([2, 1]);
	});

	it("sends everything through dgram when the addon throws", () => {
		const { native } = scripted(undefined, true);
		const batch = new SendBatch(native, 160);
		const log: Array<[string, number[], number]> = [];
		batch.add(owner("a", log), 7, 0, 0, 0xff);
		batch.add(owner("b", log), 8, 0, 160, 0xff);
		batch.flush();
		expect(log.map(([name, , offset]) => [name, offset])).toEqual([
			["a", 0],
			["b", 160],
		]);
		expect(batch.fallbacks).toBe(2);
	});

	it("keeps a session's failure from stopping the others' fallbacks", () => {
		const { native } = scripted(() => -111);
		const batch = new SendBatch(native, 160);
		const log: Array<[string, number[], number]> = [];
		batch.add(
			{
				resend: () => {
					throw new Error("Not running");
				},
			},
			7,
			0,
			0,
			0xff,
		);
		batch.add(owner("b", log), 8, 0, 160, 0xff);
		expect(() => batch.flush()).not.toThrow();
		expect(log.map(([name]) => name)).toEqual(["b"]);
	});

	it("grows past its first capacity without losing queued headers", () => {
		const { native, calls } = scripted();
		const batch = new SendBatch(native, 160, 2);
		const log: Array<[string, number[], number]> = [];
		for (let i = 0; i < 5; i++) {
			const at = batch.add(owner(`s${i}`, log), 10 + i, 0, i * 160, 0xff);
			batch.headers.fill(i + 1, at, at + 12);
		}
		batch.flush();
		expect(calls[0].n).toBe(5);
		expect(calls[0].rows.filter((_, i) => i % 4 === 0)).toEqual([10, 11, 12, 13, 14]);
		expect(calls[0].headers).toEqual([1, 2, 3, 4, 5].flatMap((v) => new Array(12).fill(v)));
	});
});

describe("SendBatch on the send clock", () => {
	it("queues with each packet's due time on the native clock, and gives refused rows back", () => {
		const ENOSPC = -28;
		const { native, queued, calls } = scripted((fd) => (fd === 8 ? ENOSPC : undefined));
		const batch = new SendBatch(native, 160);
		expect(batch.clocked).toBe(false);
		batch.useClock();
		expect(batch.clocked).toBe(true);
		const log: Array<[string, number[], number]> = [];
		batch.add(owner("a", log), 7, 1, 0, 0xff, 500);
		batch.add(owner("b", log), 8, 1, 160, 0xff, 520);
		batch.flush();
		// The fake's monotonic clock runs 1000 ms ahead of performance.now().
		expect(queued).toHaveLength(1);
		expect(queued[0][0]).toBeCloseTo(1500, 1);
		expect(queued[0][1]).toBeCloseTo(1520, 1);
		expect(calls[0].n).toBe(2);
		expect(log.map(([name, , offset]) => [name, offset])).toEqual([["b", 160]]);
	});
});

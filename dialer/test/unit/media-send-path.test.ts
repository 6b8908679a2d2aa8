/**
 * How the media thread picks its RTP send path (DIALER_NATIVE_SEND): `auto`
 * uses the native sender and falls back to dgram with one warning, `on` refuses
 * to start without it, `off` never loads it. A real worker each time; a missing
 * addon is simulated by pointing the thread at a file that is not there.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/log.ts";
import { MediaThread } from "../../src/rtp/media-thread.ts";

const threads: MediaThread[] = [];
afterEach(async () => {
	await Promise.all(threads.splice(0).map((t) => t.stop()));
});

function recorder() {
	const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
	const log: Logger = { info() {}, error() {}, warn: (m, f) => warnings.push([m, f]) };
	return { log, warnings };
}

function thread(
	nativeSend: "auto" | "on" | "off",
	log: Logger,
	nativeSendPath?: string,
	ioUring = true,
	sendClock = true,
): MediaThread {
	const portMin = 44000 + 2 * Math.floor(Math.random() * 1000);
	const t = new MediaThread({
		host: "127.0.0.1",
		portMin,
		portMax: portMin + 19,
		capacity: 4,
		nice: 0,
		nativeSend,
		nativeSendPath,
		ioUring,
		sendClock,
		log,
	});
	threads.push(t);
	return t;
}

describe("media thread: RTP send path", () => {
	it("auto: sends natively when the addon is built, silently", async () => {
		const { log, warnings } = recorder();
		const t = thread("auto", log);
		await t.start();
		// Batches through io_uring: the kernel here allows it (a seccomp profile that does not gets send()).
		// The send clock's thread times the packets, real-time where allowed (else at the nice value).
		expect(t.sendPath).toEqual({
			native: true,
			batch: "io_uring",
			clock: expect.stringMatching(/^(fifo 10|fifo refused .*nice -?\d+), io_uring$/),
		});
		expect(warnings).toEqual([]);
	});

	it("auto: without the addon, falls back to dgram and warns once with the reason", async () => {
		const { log, warnings } = recorder();
		const t = thread("auto", log, "/nonexistent/rtp-send.node");
		await t.start();
		expect(t.sendPath).toEqual({ native: false, reason: expect.stringContaining("Cannot find") });
		expect(warnings.map(([m]) => m)).toEqual(["native RTP sender not loaded, sending through dgram"]);
	});

	it("on: refuses to start without the addon", async () => {
		const { log } = recorder();
		const t = thread("on", log, "/nonexistent/rtp-send.node");
		await expect(t.start()).rejects.toThrow(/DIALER_NATIVE_SEND=on but the native RTP sender did not load/);
	});

	it("io_uring off (DIALER_IO_URING=off): the native sender sends one packet per send(), quietly", async () => {
		const { log, warnings } = recorder();
		const t = thread("auto", log, undefined, false);
		await t.start();
		expect(t.sendPath).toEqual({
			native: true,
			batch: "sendmsg",
			clock: expect.stringMatching(/, send\(\)$/),
		});
		expect(warnings).toEqual([]);
	});

	it("send clock off (DIALER_SEND_CLOCK=off): the pacer times the native sends itself", async () => {
		const { log, warnings } = recorder();
		const t = thread("auto", log, undefined, true, false);
		await t.start();
		expect(t.sendPath).toEqual({ native: true, batch: "io_uring" });
		expect(warnings).toEqual([]);
	});

	it("off: never loads it, and says nothing", async () => {
		const { log, warnings } = recorder();
		const t = thread("off", log);
		await t.start();
		expect(t.sendPath).toEqual({ native: false, reason: "DIALER_NATIVE_SEND=off" });
		expect(warnings).toEqual([]);
	});
});

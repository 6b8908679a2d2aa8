/**
 * The media thread (a worker_threads entry point): owns every RTP socket, the
 * port pool and the pacer, so SIP, HTTP, JSON and main-heap garbage collection
 * on the main thread never delay a packet. It only ever sees the small commands
 * of protocol.ts and answers with events; see media-thread.ts for the other end.
 */
import { parentPort, workerData } from "node:worker_threads";
import { preciseClock } from "./clock.ts";
import { loadNativeSend } from "./native-send.ts";
import { StreamClock } from "./native-streams.ts";
import { Pacer, timerClock } from "./pacer.ts";
import { SAMPLES } from "./packet-ring.ts";
import { PortPool } from "./ports.ts";
import { raiseThreadPriority } from "./priority.ts";
import { batched, type MediaCommand, type MediaEvent, type MediaInit, type SendPath } from "./protocol.ts";
import { SendBatch } from "./send-batch.ts";
import { MediaSession } from "./session.ts";

const port = parentPort;
if (!port) throw new Error("media-worker.ts runs as a worker thread");
const init = workerData as MediaInit;
// The events of one pacer wake-up (or one batch of commands) cross as one message.
const post = batched<MediaEvent>((events) => port.postMessage(events satisfies MediaEvent[]));

const priority = raiseThreadPriority(init.nice, init.realtime);
const pool = new PortPool(init.host, init.portMin, init.portMax);
/**
 * Streams start on even milliseconds: at most 500 pacer wake-ups a second
 * instead of 1000, each serving twice the streams. On the bench's VM a wake-up
 * (an event-loop turn and a futex sleep) cost ~35 µs of CPU whatever it served:
 * 500 streams of no-op packets took 50-60 ms/s of CPU on a 1 ms grid, 37-42 on
 * 2 ms. Longer grids need timer sleeps between wake-ups, which cost more than
 * they save there (4-5 ms: 55 ms/s), or blocking waits that hold socket reads back.
 */
const START_GRID_MS = 2;
/**
 * With the native send clock (native/send-clock.c) every call's stream is the
 * clock thread's own (native/streams.c, native-streams.ts): registered once, its
 * packets built and sent there at their deadlines, no JavaScript per packet.
 * Streams start on STREAM_GRID_MS steps, so each of the thread's wake-ups sends
 * many packets in one io_uring_enter(); a new stream's first packet is due
 * START_MS ahead at least, so that it is registered before its deadline.
 * Why 2 ms and not one step per interval (20 ms: every stream in one wake-up):
 * a throwaway harness (1,000 streams, 6 s, load ~5) measured 2.5-2.7 µs of CPU
 * per packet on a 20 ms grid against 2.6-3.4 on 2 ms, but in the bench a batch of
 * 1,000 takes ~3 ms to go out, and whatever slows one batch (an interrupt, the
 * hypervisor) moves every later packet of it: jitter p99 1.8-4.8 ms in three
 * 20 ms runs (the floor beside one: 0.55), 0.8-0.9 ms in two 2 ms runs.
 */
const STREAM_GRID_MS = 2;
/**
 * The pacer (a session whose sound the addon would not pin) runs ahead with the
 * clock: every PERIOD_MS it prepares the packets due in the next AHEAD_MS and
 * queues each with its deadline; the clock's thread (SCHED_FIFO where allowed)
 * sends them on time. The JS thread may then be late by up to AHEAD_MS − PERIOD_MS without
 * a packet being late. Why so far ahead: at load 12-18 on the bench's 2 vCPUs
 * this thread, even on SCHED_FIFO, saw event-loop stalls of 20-150 ms during the
 * setup of 1,000 calls (scavenges of 89-116 ms among them); with 60 ms ahead
 * 3,562 packets were queued past their deadline in one run, with 200 ms 25.
 */
const AHEAD_MS = 200;
const PERIOD_MS = 20;
/** A new stream's first packet is due this far ahead at least, so that it is queued in time. */
const START_MS = 5;
/** The send clock sleeps to this many µs before each deadline and spins the rest (send-clock.c). */
const SPIN_US = 50;
const loaded = init.nativeSend ? loadNativeSend(init.nativeSendPath) : { error: "DIALER_NATIVE_SEND=off" };
const native = loaded.native;
const batch = native ? new SendBatch(native, SAMPLES) : undefined;
// The pacer's futex waits are sub-millisecond deadlines: 1 µs of timer slack, not the default 50.
native?.timerSlack(1000);
const clock =
	native && init.sendClock ? native.clockStart(init.sendRealtime, init.nice, SPIN_US, init.ioUring) : "";
if (clock) batch?.useClock();
const streams = native && clock ? new StreamClock(native, STREAM_GRID_MS, START_MS) : undefined;
const send: SendPath = native
	? {
			native: true,
			batch: native.batchMode(init.ioUring ? "io_uring" : "sendmsg"),
			...(clock ? { clock } : {}),
		}
	: { native: false, reason: loaded.error };
const pacer = clock
	? new Pacer(20, timerClock(), START_GRID_MS, () => batch?.flush(), {
			aheadMs: AHEAD_MS,
			periodMs: PERIOD_MS,
			startMs: START_MS,
		})
	: new Pacer(20, preciseClock(new Int32Array(init.signal)), START_GRID_MS, batch && (() => batch.flush()));
const table = new Int32Array(init.stats);
const sessions = new Map<number, { media: MediaSession; release: () => void }>();
/** Ids closed while their port was still being bound. */
const closedEarly = new Set<number>();
/** RTCP CNAME (RFC 3550 §6.5.1): names this dialer's media endpoint, the same for every call. */
const CNAME = `hatch-dialer@${init.host}`;
// RTCP reports are due every 2.5-7.5 s per call (randomised): a 500 ms sweep is well inside that.
setInterval(() => {
	const now = performance.now();
	for (const s of sessions.values()) s.media.rtcpTick(now);
}, 500).unref();
/** Sessions under answering-machine detection: its clock runs for a far end that sends nothing. */
const listening = new Set<MediaSession>();
setInterval(() => {
	const now = performance.now();
	for (const s of listening) if (!s.amdTick(now)) listening.delete(s);
}, 100).unref();

async function open(id: number, slot: number): Promise<void> {
	let bound: Awaited<ReturnType<PortPool["bind"]>>;
	try {
		bound = await pool.bind();
	} catch (err) {
		closedEarly.delete(id);
		post({ ev: "open_failed", id, reason: (err as Error).message });
		return;
	}
	const media = new MediaSession(
		bound.socket,
		bound.port,
		pacer,
		{
			finished: (sinceLastMs) => post({ ev: "finished", id, sinceLastMs }),
			dtmf: (digit) => post({ ev: "dtmf", id, digit }),
			amd: (result, ms, reason) => post({ ev: "amd", id, result, ms, reason }),
			greetingEnd: (ms, reason) => post({ ev: "greeting_end", id, ms, reason }),
		},
		{ row: { table, slot }, batch, streams, rtcp: { socket: bound.rtcp, cname: CNAME } },
	);
	if (closedEarly.delete(id)) {
		media.close();
		bound.release();
		return;
	}
	sessions.set(id, { media, release: bound.release });
	post({ ev: "opened", id, port: bound.port });
}

function handle(cmd: MediaCommand): void {
	if (cmd.op === "open") {
		void open(cmd.id, cmd.slot);
		return;
	}
	const s = sessions.get(cmd.id);
	switch (cmd.op) {
		case "remote":
			s?.media.setRemote(cmd.host, cmd.port, cmd.dtmfPt);
			return;
		case "mute":
			s?.media.setMuted(cmd.muted);
			return;
		case "play":
			s?.media.play(cmd.audio, cmd.codec);
			return;
		case "listen":
			if (!s) return;
			s.media.listen();
			listening.add(s.media);
			return;
		case "close":
			if (!s) {
				closedEarly.add(cmd.id);
				return;
			}
			sessions.delete(cmd.id);
			listening.delete(s.media);
			s.media.close();
			s.release();
			return;
		default: {
			const never: never = cmd;
			throw new Error(`unknown media command ${JSON.stringify(never)}`);
		}
	}
}

port.on("message", (cmds: MediaCommand[]) => {
	for (const cmd of cmds) {
		try {
			handle(cmd);
		} catch (err) {
			// One bad command must not take every call's media down with it.
			process.stderr.write(
				`${JSON.stringify({ level: "error", msg: "media thread command failed", op: cmd?.op, err: (err as Error)?.stack })}\n`,
			);
		}
	}
});
post({ ev: "ready", priority, send });

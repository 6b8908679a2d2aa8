/**
 * The optional native RTP sender (native/rtp-send.c, built into
 * build/rtp-send.node by scripts/build-native.mjs). One call per pacer wake-up
 * sends every due packet with one sendmsg() each, the payload read in place
 * from the shared sound: no per-packet JS send path, SendWrap or payload copy.
 * Where it is not built (or DIALER_NATIVE_SEND=off) the media thread sends
 * through dgram exactly as before; nothing else depends on it.
 */
import type dgram from "node:dgram";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** The addon's exports; see native/rtp-send.c for the contract. */
export interface NativeSend {
	/** Pin a sound; the same memory gets the same id, counted. */
	register(sound: Uint8Array): number;
	/** Drop one registration of `id`. */
	release(id: number): void;
	/** The local IPv4 port of socket `fd`, or -1. */
	localPort(fd: number): number;
	/**
	 * Send `n` packets: header i is `headers[12i, 12i+12)`, row i is
	 * `rows[4i..4i+3]` = (fd, sound id, payload offset, pad byte). A failed
	 * row gets -errno in its fd column. Returns how many were sent.
	 */
	send(headers: Uint8Array, rows: Int32Array, n: number, payloadLen: number): number;
	/**
	 * How batches reach the kernel: one io_uring_enter() per batch, or one
	 * send() per packet. Asking for io_uring sets the ring up; the answer is
	 * "sendmsg" when the kernel (or a seccomp profile) refuses it.
	 */
	batchMode(want?: BatchMode): BatchMode;
	/** Set the calling thread's timer slack (ns); returns the one before, or -1 where it cannot. */
	timerSlack(ns: number): number;
	/**
	 * Start the send clock (native/send-clock.c): a thread that sends queued
	 * packets at their deadlines, on SCHED_FIFO at `rt` when allowed (else at
	 * `nice`), sleeping to `spinUs` before each deadline and spinning the rest;
	 * its batches through io_uring unless `ioUring` is false (or the kernel refuses).
	 * Returns what it runs at ("fifo 10, io_uring"), or "" when no thread started.
	 */
	clockStart(rt: number, nice: number, spinUs: number, ioUring?: boolean): string;
	/** CLOCK_MONOTONIC in ms: the clock of {@link queue}'s deadlines. */
	monotonicMs(): number;
	/**
	 * As {@link send}, but packet i leaves at `dues[i]` (monotonicMs) from the
	 * send clock. A row not queued gets -errno in its fd column (-ENOSPC: no
	 * clock, or no room). Returns how many were queued.
	 */
	queue(headers: Uint8Array, rows: Int32Array, dues: Float64Array, n: number, payloadLen: number): number;
	/**
	 * Move `fd`'s queued packets to `to` (another socket on the same port), or drop
	 * them (`to` absent or < 0); afterwards no send to `fd` is pending or in flight.
	 */
	forget(fd: number, to?: number): void;
	/** The send clock's counters: sent, failed, sent over 1 ms late, wake-ups, worst lateness (µs). */
	clockStats(): number[];
	/**
	 * Register a call's whole RTP stream with the send clock's thread, which builds
	 * and sends every packet itself (native/streams.c): packet `index` of `sound` due
	 * at `dueMs` (monotonicMs), the next ones every 20 ms, 160 payload bytes each,
	 * sequence numbers from `seq`, timestamps `tsBase` + 160 × index, the marker on
	 * the first when `marker`. Route: `fd` connected (`host` ""), or unconnected and
	 * sending to `host`:`port`; fd -1 sends nothing yet. Returns the stream's handle.
	 */
	streamStart(
		sound: number,
		fd: number,
		host: string,
		port: number,
		pt: number,
		pad: number,
		ssrc: number,
		seq: number,
		tsBase: number,
		index: number,
		dueMs: number,
		marker: boolean,
	): number;
	/** Re-aim a stream; afterwards nothing to its old fd is pending or in flight. */
	streamRoute(handle: number, fd: number, host: string, port: number): void;
	/** Hold (due packets pass unsent) or resume (the next packet carries the marker). */
	streamMute(handle: number, muted: boolean): void;
	/** [sent, skipped, next index, next seq, ended (1) or not (0)]. */
	streamStats(handle: number): number[];
	/** Stop and free a stream (and its hold on the sound); returns its last {@link streamStats}. */
	streamStop(handle: number): number[];
}

/**
 * monotonicMs() − performance.now(): the two clocks differ by a constant, and
 * the smallest of a few bracketing samples keeps its error to about a microsecond.
 */
export function clockOffset(native: NativeSend): number {
	let best = Number.POSITIVE_INFINITY;
	let offset = 0;
	for (let i = 0; i < 9; i++) {
		const a = performance.now();
		const m = native.monotonicMs();
		const b = performance.now();
		if (b - a < best) {
			best = b - a;
			offset = m - (a + b) / 2;
		}
	}
	return offset;
}

/** How the native sender hands a batch to the kernel. */
export type BatchMode = "io_uring" | "sendmsg";

/** Where the build script puts the addon. */
export const NATIVE_SEND_PATH = fileURLToPath(new URL("../../build/rtp-send.node", import.meta.url));

/** The addon, or why it is not there. */
export type NativeLoad = { native: NativeSend } | { native?: undefined; error: string };

/**
 * Load the addon from `path`.
 * @example const r = loadNativeSend(); if (r.native) … else log(r.error)
 */
export function loadNativeSend(path = NATIVE_SEND_PATH): NativeLoad {
	try {
		const mod = createRequire(import.meta.url)(path) as Partial<NativeSend>;
		const fns = [
			"register",
			"release",
			"localPort",
			"send",
			"batchMode",
			"timerSlack",
			"clockStart",
			"monotonicMs",
			"queue",
			"forget",
			"clockStats",
			"streamStart",
			"streamRoute",
			"streamMute",
			"streamStats",
			"streamStop",
		] as const;
		for (const fn of fns) if (typeof mod[fn] !== "function") return { error: `${path} lacks ${fn}()` };
		return { native: mod as NativeSend };
	} catch (err) {
		return { error: (err as Error).message.split("\n")[0] };
	}
}

/**
 * The file descriptor of a bound dgram socket, checked with getsockname
 * against the port we bound, or undefined. dgram exposes no fd: its handle
 * sits under an internal symbol (the public `_handle` alias prints a
 * deprecation warning), so a Node that moves it simply gets dgram sends.
 */
export function socketFd(native: NativeSend, socket: dgram.Socket, port: number): number | undefined {
	const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === "state symbol");
	const handle = key && (socket as unknown as Record<symbol, { handle?: { fd?: unknown } }>)[key]?.handle;
	const fd = handle?.fd;
	if (typeof fd !== "number" || fd < 0) return undefined;
	return native.localPort(fd) === port ? fd : undefined;
}

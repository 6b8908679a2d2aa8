/**
 * The messages between the main thread and the media thread, declared once for
 * both sides. Commands are small and carry no audio bytes: a sound travels as a
 * view over a SharedArrayBuffer, which postMessage shares instead of copying.
 * Per-session counters live in a shared Int32Array table (see {@link STATS}), so
 * GET /calls reads them without a round trip. Each postMessage carries an array
 * of them in order (see {@link batched}).
 */
import type { AmdResult } from "../amd/detector.ts";
import type { Codec } from "../sdp/sdp.ts";

/** Start-up parameters of the media thread (its workerData). */
export interface MediaInit {
	/** Address RTP sockets bind to. */
	host: string;
	portMin: number;
	portMax: number;
	/** Nice value to ask for the media thread (0 = leave it alone). */
	nice: number;
	/** SCHED_FIFO priority for the media thread (0 = stay on the normal scheduler). */
	realtime: number;
	/** Send RTP through the native sender when it loads (native-send.ts); false: dgram only. */
	nativeSend: boolean;
	/** Its batches through io_uring when the kernel allows (false: one send() per packet). */
	ioUring: boolean;
	/** Send through the native send clock when the native sender loads (false: the pacer's own timing). */
	sendClock: boolean;
	/** The send clock thread's SCHED_FIFO priority (0: nice only, at `nice`). */
	sendRealtime: number;
	/** Where the addon is (native-send.ts's NATIVE_SEND_PATH unless a test says otherwise). */
	nativeSendPath?: string;
	/** Int32Array(1): the doorbell the main thread rings after an `open` command. */
	signal: SharedArrayBuffer;
	/** Int32Array(slots × STATS.width): per-session counters. */
	stats: SharedArrayBuffer;
}

/** Main → media thread. `id` names a session for its lifetime and is never reused. */
export type MediaCommand =
	| { op: "open"; id: number; slot: number }
	| { op: "remote"; id: number; host: string; port: number; dtmfPt?: number }
	| { op: "mute"; id: number; muted: boolean }
	| { op: "play"; id: number; audio: Uint8Array; codec: Codec }
	| { op: "listen"; id: number }
	| { op: "close"; id: number };

/** Media thread → main. */
export type MediaEvent =
	| { ev: "ready"; priority: PriorityResult; send: SendPath }
	| { ev: "opened"; id: number; port: number }
	| { ev: "open_failed"; id: number; reason: string }
	| { ev: "finished"; id: number; sinceLastMs: number }
	| { ev: "dtmf"; id: number; digit: string }
	| { ev: "amd"; id: number; result: AmdResult; ms: number; reason: string }
	| { ev: "greeting_end"; id: number; ms: number; reason: string };

/** How the media thread sends RTP: the native batch sender, or dgram (and why). */
export interface SendPath {
	native: boolean;
	/** The native sender's batches: one io_uring_enter() each, or a send() per packet. */
	batch?: "io_uring" | "sendmsg";
	/** Why the native sender is not used: not asked for, or the load error. */
	reason?: string;
	/** The native send clock's thread, when it runs: its priority and how it sends ("fifo 10, io_uring"). */
	clock?: string;
}

/** What raising the media thread's priority did. */
export interface PriorityResult {
	/** The nice value asked for (0: not asked). */
	asked: number;
	/** The thread's nice value afterwards, when it could be read. */
	nice?: number;
	/** Why it could not be raised (EACCES/EPERM without CAP_SYS_NICE). */
	error?: string;
	/** The SCHED_FIFO priority the thread runs at, when that worked. */
	realtime?: number;
	/** Why SCHED_FIFO was asked for and not applied. */
	realtimeError?: string;
}

/** Layout of one session's row in the shared stats table. */
export const STATS = { width: 3, sent: 0, received: 1, skipped: 2 } as const;

/** RTP counters of one call. */
export interface MediaStats {
	/** Packets sent. */
	sent: number;
	/** RTP packets received from the far end. */
	received: number;
	/** Packets not sent because they were more than 3 intervals late (stalls). */
	skipped: number;
}

/** Read one row of the stats table. */
export function readStats(table: Int32Array, slot: number): MediaStats {
	const at = slot * STATS.width;
	return {
		sent: Atomics.load(table, at + STATS.sent),
		received: Atomics.load(table, at + STATS.received),
		skipped: Atomics.load(table, at + STATS.skipped),
	};
}

/** What a call needs from its media, wherever that runs. */
export interface CallMedia {
	/** The local RTP port (advertised in the SDP offer). */
	readonly port: number;
	/** Point the stream at the SDP answer's address; `dtmfPt` is its telephone-event type. */
	setRemote(host: string, port: number, dtmfPt?: number): void;
	/** Pause sending without stopping the clock (hold). */
	setMuted(muted: boolean): void;
	/** Start streaming the sound in `codec`. */
	play(audio: Uint8Array, codec: Codec): void;
	/** Start answering-machine detection on the far end's audio, from now (the answer). */
	listen(): void;
	/** Stop and release the port. */
	close(): void;
	/** Counters so far. */
	stats(): MediaStats;
}

/** Callbacks of a call's media. */
export interface MediaEvents {
	/**
	 * The whole sound has been sent; `sinceLastMs` is how long ago its last packet
	 * was due (the call leaves the far end's jitter buffer time to play it out).
	 */
	finished(sinceLastMs: number): void;
	/** An RFC 4733 digit arrived. */
	dtmf(digit: string): void;
	/** Answering-machine detection decided, `ms` after listen(). */
	amd?(result: AmdResult, ms: number, reason: string): void;
	/** After a machine: its greeting is over (beep, silence or the longest wait), a message may start. */
	greetingEnd?(ms: number, reason: string): void;
	/** The media thread died: this call has no media any more. */
	failed(reason: string): void;
}

/**
 * Collects messages and hands them over in one array per turn: every
 * postMessage wakes the other thread (an eventfd write, a context switch), so
 * the commands of a setup burst, or a pacer wake-up's events, cross as one.
 * Order is kept; `schedule` decides how long a turn is (a microtask, or
 * setImmediate to gather everything one event-loop pass produced).
 * @example const post = batched((cmds) => port.postMessage(cmds)); post(a); post(b); // one message [a, b]
 */
export function batched<T>(
	send: (items: T[]) => void,
	schedule: (flush: () => void) => void = queueMicrotask,
): (item: T) => void {
	let queue: T[] = [];
	const flush = () => {
		const items = queue;
		queue = [];
		if (items.length > 0) send(items);
	};
	return (item: T) => {
		if (queue.push(item) === 1) schedule(flush);
	};
}

/**
 * The main thread's handle on the media thread (media-worker.ts): opens RTP
 * ports there, forwards each call's media commands, and routes its events back.
 * Port allocation stays a round trip before the INVITE (the SDP offer names the
 * port), everything else is fire-and-forget. If the thread dies, every open
 * call is told (`failed`) and the next call starts a fresh one.
 */
import v8 from "node:v8";
import { Worker } from "node:worker_threads";
import type { NativeSendMode } from "../config.ts";
import type { Logger } from "../log.ts";
import { type ChannelOwner, MediaChannel } from "./media-channel.ts";
import {
	batched,
	type MediaCommand,
	type MediaEvent,
	type MediaEvents,
	type MediaInit,
	type PriorityResult,
	type SendPath,
	STATS,
} from "./protocol.ts";

export { MediaChannel, shareSound } from "./media-channel.ts";

/** No RTP port (or session slot) is free. */
export class MediaError extends Error {
	readonly code = "RTP_PORTS_EXHAUSTED";
}

/** How to run the media thread. */
export interface MediaThreadOptions {
	host: string;
	portMin: number;
	portMax: number;
	/** Most sessions open at once (the dialer's call capacity). */
	capacity: number;
	/** Nice value for the media thread; 0 leaves it alone. */
	nice: number;
	/** SCHED_FIFO priority for the media thread; 0 (the default) keeps the normal scheduler. */
	realtime?: number;
	/** The native RTP sender: `auto` (the default) when built, `on` required, `off` never. */
	nativeSend?: NativeSendMode;
	/** The addon's file, when not the built one (tests). */
	nativeSendPath?: string;
	/** The native sender's batches through io_uring when the kernel allows (the default), or not. */
	ioUring?: boolean;
	/** The native send clock with the native sender (the default), or the pacer's own timing. */
	sendClock?: boolean;
	/** The send clock thread's SCHED_FIFO priority (default 10; 0: nice only). */
	sendRealtime?: number;
	log: Logger;
}

/**
 * Scavenges (young-generation GC pauses) without helper threads. By default V8
 * splits a scavenge into tasks on its platform threads and the paused thread
 * waits for all of them; those helpers run at normal priority, so on a busy host
 * a helper that lost its CPU held the media thread's ~1 ms scavenge for 5-9 ms
 * (GC traces on the media thread during the bench). Serial scavenges took the
 * bench's jitter p99 from 2.3-2.8 ms to under 0.5 ms. The flag is process-wide
 * and read at each scavenge; the main thread's scavenges are about a millisecond
 * either way. (`--no-parallel-marking` cannot be switched at run time: V8 aborts.)
 */
function serialScavenges(): void {
	v8.setFlagsFromString("--no-parallel-scavenge");
}

interface Pending {
	slot: number;
	events: MediaEvents;
	resolve(channel: MediaChannel): void;
	reject(err: Error): void;
}

/** Owns the worker; one per dialer. */
export class MediaThread implements ChannelOwner {
	private readonly opts: MediaThreadOptions;
	private readonly signal = new Int32Array(new SharedArrayBuffer(4));
	readonly table: Int32Array;
	private readonly freeSlots: number[];
	private worker?: Worker;
	private ready?: Promise<void>;
	private nextId = 1;
	private readonly pending = new Map<number, Pending>();
	private readonly channels = new Map<number, MediaChannel>();
	private stopping = false;
	/**
	 * Commands issued in one synchronous run (an answer's remote + play) go over
	 * as one message (see batched). A microtask, not the end of the event-loop
	 * pass: a command still reaches the media thread before anything the same
	 * code sends on the network next.
	 */
	private readonly queue = batched<MediaCommand>((cmds) => this.send(cmds));
	/** What the last start did to the thread's priority. */
	priority?: PriorityResult;
	/** How the running thread sends RTP (native batch or dgram). */
	sendPath?: SendPath;

	constructor(opts: MediaThreadOptions) {
		this.opts = opts;
		this.table = new Int32Array(new SharedArrayBuffer(opts.capacity * STATS.width * 4));
		this.freeSlots = Array.from({ length: opts.capacity }, (_, i) => opts.capacity - 1 - i);
	}

	/** Sessions open now. */
	get openCount(): number {
		return this.channels.size;
	}

	/** Start the thread (idempotent); resolves once it takes commands. */
	start(): Promise<void> {
		if (this.ready) return this.ready;
		this.stopping = false;
		const init: MediaInit = {
			host: this.opts.host,
			portMin: this.opts.portMin,
			portMax: this.opts.portMax,
			nice: this.opts.nice,
			realtime: this.opts.realtime ?? 0,
			nativeSend: (this.opts.nativeSend ?? "auto") !== "off",
			nativeSendPath: this.opts.nativeSendPath,
			ioUring: this.opts.ioUring ?? true,
			sendClock: this.opts.sendClock ?? true,
			sendRealtime: this.opts.sendRealtime ?? 10,
			signal: this.signal.buffer as SharedArrayBuffer,
			stats: this.table.buffer as SharedArrayBuffer,
		};
		serialScavenges();
		const worker = new Worker(new URL("./media-worker.ts", import.meta.url), { workerData: init });
		this.worker = worker;
		this.ready = new Promise<void>((resolve, reject) => {
			worker.on("message", (events: MediaEvent[]) => {
				for (const e of events) {
					if (e.ev !== "ready") this.onEvent(e);
					else if (!e.send.native && this.opts.nativeSend === "on") {
						// Required and missing: refuse to start rather than run on the slower path.
						reject(
							new Error(`DIALER_NATIVE_SEND=on but the native RTP sender did not load: ${e.send.reason}`),
						);
						// A thread we end on purpose is not a media failure (onExit stays quiet).
						this.stopping = true;
						void worker.terminate();
					} else {
						this.onReady(e.priority, e.send);
						resolve();
					}
				}
			});
			worker.on("error", (err) => {
				this.opts.log.error("media thread error", { err: err.stack });
				reject(err);
			});
			worker.on("exit", (code) => this.onExit(worker, code));
		});
		return this.ready;
	}

	/**
	 * Bind an RTP port on the media thread for one call.
	 * @throws MediaError when no port or slot is free
	 */
	async open(events: MediaEvents): Promise<MediaChannel> {
		await this.start();
		const slot = this.freeSlots.pop();
		if (slot === undefined) throw new MediaError("every media session slot is in use");
		const id = this.nextId++;
		return new Promise<MediaChannel>((resolve, reject) => {
			this.pending.set(id, { slot, events, resolve, reject });
			this.post({ op: "open", id, slot });
		});
	}

	/** Stop the thread; open sessions are dropped without events. */
	async stop(): Promise<void> {
		this.stopping = true;
		for (const [id, p] of this.pending) {
			this.pending.delete(id);
			this.freeSlots.push(p.slot);
			p.reject(new MediaError("media thread stopped"));
		}
		const w = this.worker;
		this.worker = undefined;
		this.ready = undefined;
		if (w) await w.terminate();
	}

	/** Queue a command; it leaves at the end of the current synchronous run. */
	post(cmd: MediaCommand): void {
		this.queue(cmd);
	}

	/**
	 * Send commands; ring the doorbell (clock.ts) only when one is an `open`.
	 * A ring ends the media thread's fine wait early, so a call waiting for its
	 * port (before its INVITE) is not held up to 2 ms; every other command can
	 * wait for the next pacer wake-up (≤ 2 ms). A ring is a futex wake of a
	 * sleeping thread: profiled at ~70 µs of main-thread CPU each on the bench's
	 * VM, with a wake-up of the media thread on top, three times per call.
	 */
	private send(cmds: MediaCommand[]): void {
		if (!this.worker) return;
		this.worker.postMessage(cmds);
		if (!cmds.some((c) => c.op === "open")) return;
		Atomics.store(this.signal, 0, 1);
		Atomics.notify(this.signal, 0);
	}

	/** Called by a channel on close. */
	released(channel: MediaChannel): void {
		if (this.channels.delete(channel.id)) this.freeSlots.push(channel.slot);
	}

	private onReady(p: PriorityResult, send: SendPath): void {
		this.priority = p;
		this.sendPath = send;
		const log = this.opts.log;
		// Asked for and not there: worth one warning (dgram costs ~20-30 % more CPU per packet).
		if (!send.native && this.opts.nativeSend !== "off")
			log.warn("native RTP sender not loaded, sending through dgram", { reason: send.reason });
		if (send.native && send.batch !== "io_uring" && this.opts.ioUring !== false)
			log.warn("io_uring refused (kernel or seccomp): one send() per RTP packet", {});
		if (send.clock) log.info("RTP send clock running", { clock: send.clock });
		if (p.realtime) {
			log.info("media thread on SCHED_FIFO", { ...p });
			return;
		}
		if (p.realtimeError) log.warn("media thread not made real-time (needs CAP_SYS_NICE and chrt)", { ...p });
		if (p.error) log.warn("media thread priority not raised (needs CAP_SYS_NICE)", { ...p });
		else if (p.asked !== 0) log.info("media thread priority raised", { ...p });
	}

	private onEvent(e: Exclude<MediaEvent, { ev: "ready" }>): void {
		switch (e.ev) {
			case "opened": {
				const p = this.pending.get(e.id);
				if (!p) return;
				this.pending.delete(e.id);
				const channel = new MediaChannel(this, e.id, p.slot, e.port, p.events);
				this.channels.set(e.id, channel);
				p.resolve(channel);
				return;
			}
			case "open_failed": {
				const p = this.pending.get(e.id);
				if (!p) return;
				this.pending.delete(e.id);
				this.freeSlots.push(p.slot);
				p.reject(new MediaError(e.reason));
				return;
			}
			case "finished":
				this.channels.get(e.id)?.events.finished(e.sinceLastMs);
				return;
			case "dtmf":
				this.channels.get(e.id)?.events.dtmf(e.digit);
				return;
			case "amd":
				this.channels.get(e.id)?.events.amd?.(e.result, e.ms, e.reason);
				return;
			case "greeting_end":
				this.channels.get(e.id)?.events.greetingEnd?.(e.ms, e.reason);
				return;
			default: {
				const never: never = e;
				this.opts.log.error("unknown media event", { e: never });
			}
		}
	}

	private onExit(worker: Worker, code: number): void {
		if (this.worker === worker) {
			this.worker = undefined;
			this.ready = undefined;
		}
		if (this.stopping) return;
		this.opts.log.error("media thread exited", { code, calls: this.channels.size });
		const reason = `media thread exited (${code})`;
		for (const [id, p] of this.pending) {
			this.pending.delete(id);
			this.freeSlots.push(p.slot);
			p.reject(new MediaError(reason));
		}
		for (const channel of [...this.channels.values()]) {
			channel.lost();
			channel.events.failed(reason);
		}
	}
}

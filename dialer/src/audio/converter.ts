/**
 * Sound conversion off the main thread: a long-lived worker (convert-worker.ts),
 * started on the first request and kept while the dialer runs. A two-minute
 * 44.1 kHz stereo WAV took 2.8 s to convert on the bench's machine: on the main
 * thread that would delay every live call's SIP retransmissions and timers.
 * Errors keep their AudioError code; a thread that dies fails what it held
 * and the next request starts a new one.
 */
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { AudioError } from "@hatch/shared/audio/errors";
import type { ConvertReply, ConvertRequest } from "./convert-worker.ts";
import type { PreparedAudio } from "./store.ts";

interface Pending {
	resolve(audio: PreparedAudio): void;
	reject(err: Error): void;
}

/** Converts sounds on its own thread. */
export class AudioConverter {
	private worker?: Worker;
	private readonly pending = new Map<number, Pending>();
	private nextId = 1;

	/**
	 * Start the thread now rather than on the first sound (the dialer does this
	 * at start-up): a new thread costs ~100 ms before it converts anything.
	 */
	start(): void {
		if (!this.worker) this.begin();
	}

	/**
	 * Convert `bytes` (WAV or MP3) to G.711, over SharedArrayBuffers the media
	 * thread plays without a copy. `hash`: their SHA-256 if known. @throws AudioError, as prepareAudio does
	 */
	prepare(
		bytes: Uint8Array,
		hash = createHash("sha256").update(bytes).digest("hex"),
	): Promise<PreparedAudio> {
		const worker = this.worker ?? this.begin();
		const id = this.nextId++;
		return new Promise<PreparedAudio>((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			// An idle thread must not keep the process alive; a busy one must finish.
			worker.ref();
			worker.postMessage({ id, bytes, hash } satisfies ConvertRequest);
		});
	}

	/** Stop the thread; what it still held fails. */
	async close(): Promise<void> {
		const worker = this.worker;
		this.worker = undefined;
		if (worker) await worker.terminate();
		this.failAll(new Error("audio converter closed"));
	}

	private begin(): Worker {
		const worker = new Worker(new URL("./convert-worker.ts", import.meta.url));
		this.worker = worker;
		worker.unref();
		worker.on("message", (r: ConvertReply) => this.reply(r));
		worker.on("error", (err) => {
			if (this.worker === worker) this.worker = undefined;
			this.failAll(new Error(`audio conversion thread failed: ${err.message}`));
		});
		worker.on("exit", () => {
			if (this.worker !== worker) return;
			this.worker = undefined;
			this.failAll(new Error("audio conversion thread exited"));
		});
		return worker;
	}

	private reply(r: ConvertReply): void {
		const p = this.pending.get(r.id);
		if (!p) return;
		this.pending.delete(r.id);
		if (this.pending.size === 0) this.worker?.unref();
		if (r.ok) p.resolve({ pcmu: r.pcmu, pcma: r.pcma, durationMs: r.durationMs, hash: r.hash });
		else p.reject(r.code ? new AudioError(r.code, r.message) : new Error(r.message));
	}

	private failAll(err: Error): void {
		const pending = [...this.pending.values()];
		this.pending.clear();
		for (const p of pending) p.reject(err);
	}
}

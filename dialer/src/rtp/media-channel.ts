/**
 * One call's media as the main thread sees it: a handle that turns the call's
 * media operations into commands for the media thread (protocol.ts), and the
 * shared memory a sound travels in.
 */
import type { Codec } from "../sdp/sdp.ts";
import {
	type CallMedia,
	type MediaCommand,
	type MediaEvents,
	type MediaStats,
	readStats,
} from "./protocol.ts";

/** What a channel needs from the media thread handle (MediaThread). */
export interface ChannelOwner {
	/** The shared stats table (one row per slot). */
	readonly table: Int32Array;
	/** Queue a command for the media thread. */
	post(cmd: MediaCommand): void;
	/** The channel closed: free its slot. */
	released(channel: MediaChannel): void;
}

const shared = new WeakMap<Uint8Array, Uint8Array>();

/**
 * The same bytes in shared memory, copied once per sound (the audio cache holds
 * the original, so the copy lives exactly as long as the cached sound). Posting a
 * SharedArrayBuffer view shares it: 500 calls of one sound cost one copy, not 500.
 * @example shareSound(audio.pcmu) === shareSound(audio.pcmu) // true
 */
export function shareSound(audio: Uint8Array): Uint8Array {
	if (audio.buffer instanceof SharedArrayBuffer) return audio;
	let s = shared.get(audio);
	if (!s) {
		s = new Uint8Array(new SharedArrayBuffer(audio.byteLength));
		s.set(audio);
		shared.set(audio, s);
	}
	return s;
}

/** One call's media on the media thread. */
export class MediaChannel implements CallMedia {
	readonly id: number;
	readonly slot: number;
	readonly port: number;
	readonly events: MediaEvents;
	private readonly thread: ChannelOwner;
	private closed = false;
	private muted = false;
	private final?: MediaStats;

	constructor(thread: ChannelOwner, id: number, slot: number, port: number, events: MediaEvents) {
		this.thread = thread;
		this.id = id;
		this.slot = slot;
		this.port = port;
		this.events = events;
	}

	setRemote(host: string, port: number, dtmfPt?: number): void {
		if (!this.closed) this.thread.post({ op: "remote", id: this.id, host, port, dtmfPt });
	}

	setMuted(muted: boolean): void {
		// Sessions start unmuted: an answer that does not put us on hold costs no command.
		if (this.closed || muted === this.muted) return;
		this.muted = muted;
		this.thread.post({ op: "mute", id: this.id, muted });
	}

	play(audio: Uint8Array, codec: Codec): void {
		if (!this.closed) this.thread.post({ op: "play", id: this.id, audio: shareSound(audio), codec });
	}

	listen(): void {
		if (!this.closed) this.thread.post({ op: "listen", id: this.id });
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		// The row is reused by a later call: keep what it said now.
		this.final = readStats(this.thread.table, this.slot);
		this.thread.post({ op: "close", id: this.id });
		this.thread.released(this);
	}

	/** The thread died: no command can reach this session any more. */
	lost(): void {
		if (this.closed) return;
		this.final = readStats(this.thread.table, this.slot);
		this.closed = true;
		this.thread.released(this);
	}

	stats(): MediaStats {
		return this.final ?? readStats(this.thread.table, this.slot);
	}
}

/**
 * Calls' RTP streams on the native send clock (native/streams.c): a session
 * registers its stream once (socket, destination, SSRC, sequence number and
 * timestamp origin, payload type, the sound) and the clock's thread builds and
 * sends every 20 ms packet itself, so no JavaScript runs per packet. JS only
 * starts, re-aims, mutes and stops streams. Deadlines are on the clock's
 * CLOCK_MONOTONIC; sessions think in performance.now(), and this converts.
 */
import { clockOffset, type NativeSend } from "./native-send.ts";

/** Where a stream's packets go: a connected fd (`host` ""), or an unconnected one and an address. */
export interface Route {
	fd: number;
	host: string;
	port: number;
}

/** Sends nothing (no far end yet, or the stream is disabled). */
export const NO_ROUTE: Route = { fd: -1, host: "", port: 0 };

/** What a stream sends, fixed for its lifetime. */
export interface StreamSpec {
	/** The sound's id with the native sender (register()). */
	sound: number;
	pt: number;
	/** The codec's silence byte, for the last packet's padding. */
	pad: number;
	ssrc: number;
	/** RTP timestamp of packet 0. */
	tsBase: number;
}

/** A stream's counters: packets sent and skipped (stalls), where it is, whether the sound is over. */
export interface StreamState {
	sent: number;
	skipped: number;
	nextIndex: number;
	nextSeq: number;
	ended: boolean;
}

const state = (v: number[]): StreamState => ({
	sent: v[0],
	skipped: v[1],
	nextIndex: v[2],
	nextSeq: v[3],
	ended: v[4] === 1,
});

/** The media thread's handle on the native streams; one per thread, once the send clock runs. */
export class StreamClock {
	readonly native: NativeSend;
	private readonly offset: number;
	private readonly gridMs: number;
	private readonly startMs: number;

	/**
	 * `gridMs`: streams start on multiples of it, so that each of the clock's
	 * wake-ups serves many; `startMs`: a new stream's first packet is due at least
	 * this far ahead (the clock must be told before the deadline).
	 */
	constructor(native: NativeSend, gridMs: number, startMs: number) {
		this.native = native;
		this.gridMs = gridMs;
		this.startMs = startMs;
		this.offset = clockOffset(native);
	}

	/** When a stream started now has its first packet due (performance.now() ms). */
	firstDue(now = performance.now()): number {
		return Math.ceil((now + this.startMs) / this.gridMs) * this.gridMs;
	}

	/**
	 * Start sending packet `index` on at `dueMs` (performance.now() ms), every
	 * 20 ms, sequence numbers from `seq`. Returns the handle.
	 * @throws RangeError/TypeError when the addon refuses the arguments
	 */
	start(route: Route, spec: StreamSpec, seq: number, index: number, dueMs: number, marker: boolean): number {
		return this.native.streamStart(
			spec.sound,
			route.fd,
			route.host,
			route.port,
			spec.pt,
			spec.pad,
			spec.ssrc,
			seq,
			spec.tsBase,
			index,
			dueMs + this.offset,
			marker,
		);
	}

	route(handle: number, r: Route): void {
		this.native.streamRoute(handle, r.fd, r.host, r.port);
	}

	mute(handle: number, muted: boolean): void {
		this.native.streamMute(handle, muted);
	}

	stats(handle: number): StreamState {
		return state(this.native.streamStats(handle));
	}

	/** Stop the stream; returns its final counters. */
	stop(handle: number): StreamState {
		return state(this.native.streamStop(handle));
	}
}

/**
 * One session's sound on the send clock (native-streams.ts): the native
 * stream's handle, the counters the session had when it started (a codec
 * change stops one stream and starts the next where it was), and the
 * end-of-sound timer. The session keeps its sequence numbers and counters;
 * this only adds the stream's own to them.
 */
import type { Route, StreamClock, StreamSpec, StreamState } from "./native-streams.ts";

/** The packet interval. */
const PACKET_MS = 20;

/** Where a stream starts from: the session's next sequence number and its counters so far. */
export interface StreamFrom {
	seq: number;
	sent: number;
	skipped: number;
}

/** The session's counters with the stream's added, and where the stream got to. */
export interface StreamCounts {
	sent: number;
	skipped: number;
	nextIndex: number;
	nextSeq: number;
}

/** A session's native stream, while there is one. */
export class ClockedStream {
	private readonly clock: StreamClock;
	private readonly ended: (sinceLastMs: number) => void;
	private handle?: number;
	private endTimer?: NodeJS.Timeout;
	private base = { sent: 0, skipped: 0 };

	/** `ended`: the sound is over, its last packet due `sinceLastMs` ago (the stream is stopped first). */
	constructor(clock: StreamClock, ended: (sinceLastMs: number) => void) {
		this.clock = clock;
		this.ended = ended;
	}

	/** Whether a stream runs. */
	get running(): boolean {
		return this.handle !== undefined;
	}

	/** When a stream started now has its first packet due (performance.now() ms). */
	firstDue(): number {
		return this.clock.firstDue();
	}

	/**
	 * Send packets `index` … `packets` − 1 of `spec`'s sound, the first due at
	 * `due` (performance.now() ms); false when the addon refused (nothing runs).
	 */
	start(
		route: Route,
		spec: StreamSpec,
		from: StreamFrom,
		index: number,
		due: number,
		marker: boolean,
		packets: number,
		muted: boolean,
	): boolean {
		try {
			this.handle = this.clock.start(route, spec, from.seq, index, due, marker);
		} catch {
			return false;
		}
		this.base = { sent: from.sent, skipped: from.skipped };
		if (muted) this.clock.mute(this.handle, true);
		this.scheduleEnd(due + (packets - index - 1) * PACKET_MS);
		return true;
	}

	/** Stop the stream (if one runs); returns the counters with its own added. */
	stop(): StreamCounts | undefined {
		const handle = this.handle;
		if (handle === undefined) return undefined;
		this.handle = undefined;
		clearTimeout(this.endTimer);
		return this.add(this.clock.stop(handle));
	}

	/** The counters so far (lock-free; for GET /calls and RTCP), or undefined when none runs. */
	counts(): StreamCounts | undefined {
		return this.handle === undefined ? undefined : this.add(this.clock.stats(this.handle));
	}

	route(r: Route): void {
		if (this.handle !== undefined) this.clock.route(this.handle, r);
	}

	mute(muted: boolean): void {
		if (this.handle !== undefined) this.clock.mute(this.handle, muted);
	}

	private add(at: StreamState): StreamCounts {
		return {
			sent: this.base.sent + at.sent,
			skipped: this.base.skipped + at.skipped,
			nextIndex: at.nextIndex,
			nextSeq: at.nextSeq,
		};
	}

	/**
	 * When the last packet is due (+1 ms), the sound is over: report it, as the
	 * pacer's tick() does. A clock that fell behind (a stall) ends later: look again.
	 */
	private scheduleEnd(lastDue: number): void {
		const check = () => {
			const handle = this.handle;
			if (handle === undefined) return;
			if (!this.clock.stats(handle).ended) {
				this.endTimer = setTimeout(check, 5);
				return;
			}
			this.ended(performance.now() - lastDue);
		};
		this.endTimer = setTimeout(check, Math.max(0, lastDue + 1 - performance.now()));
	}
}

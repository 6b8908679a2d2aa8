/**
 * The campaign's rate at the wire: at most `cap` INVITEs per key (a campaign)
 * in any window of `windowMs`, the way a carrier counts calls per second.
 * The Campaign engine already paces dials, but each POST /calls crosses the
 * network and the event loops of two processes, and a bench run saw 111 calls
 * reach the dialer in one second at 100/s configured. A dial that would
 * exceed the cap waits here for its slot instead, in arrival order.
 */

/** The clock and timers the pacer runs on (performance.now() and setTimeout in the process, a virtual clock in tests). */
export interface PaceClock {
	now(): number;
	setTimeout(fn: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

const processClock: PaceClock = {
	now: () => performance.now(),
	setTimeout: (fn, ms) => setTimeout(fn, ms),
	clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * At most `cap` sends in any window of `windowMs` (half-open: sends `windowMs`
 * apart fall in different windows), spread evenly: one per `gapMs`
 * (`windowMs / cap`) on a theoretical schedule that allows one send ahead of
 * it (a GCRA with a tolerance of one gap), so a backlog goes out at the rate,
 * one every `gapMs`, instead of in bunches whenever the window moves on.
 */
export type PaceRule = { cap: number; windowMs: number; gapMs: number };

/**
 * Added to every window: the INVITE is written to the socket a little after
 * the pacer lets it go, by a varying few microseconds, and a window counted
 * at the wire must still hold. The first bench run without it counted 101
 * sends in one wire second at 100/s, all ≥ 1000 ms apart on the pacer's clock.
 */
export const GUARD_MS = 1;

/**
 * The rule for a rate: `floor(rate)` per second, and below one call per
 * second one call per `1000 / rate` ms; each window {@link GUARD_MS} longer.
 * @example paceRule(100) // { cap: 100, windowMs: 1001 }; paceRule(0.5) // { cap: 1, windowMs: 2001 }
 */
export function paceRule(callsPerSecond: number): PaceRule {
	const cap = Math.max(1, Math.floor(callsPerSecond));
	const windowMs = Math.max(1000, (1000 * cap) / callsPerSecond) + GUARD_MS;
	return { cap, windowMs, gapMs: windowMs / cap };
}

/**
 * The schedule's next theoretical send time after `sent` (ascending): each
 * send moves it to max(itself, the send) + gapMs.
 * @example scheduleAfter([0, 5], { cap: 2, windowMs: 1000, gapMs: 500 }) // 1000
 */
export function scheduleAfter(sent: readonly number[], rule: PaceRule): number {
	let tat = Number.NEGATIVE_INFINITY;
	for (const t of sent) tat = Math.max(tat, t) + rule.gapMs;
	return tat;
}

/**
 * Whether a send may go at `now`, given the key's earlier send times
 * (ascending) and the schedule (`tat`, see {@link scheduleAfter}): the send
 * `cap` places back must be a whole window old, compared as a difference, the
 * way a window is counted (`nth + windowMs` may round to `now` a hair early),
 * and `now` no more than one gap ahead of the schedule.
 * @example hasRoom([0, 10], { cap: 2, windowMs: 1000, gapMs: 0 }, 20) // false
 */
export function hasRoom(
	sent: readonly number[],
	rule: PaceRule,
	now: number,
	tat = scheduleAfter(sent, rule),
): boolean {
	const nth = sent[sent.length - rule.cap];
	return (nth === undefined || now - nth >= rule.windowMs) && tat - now <= rule.gapMs;
}

/**
 * The earliest time a send may go at or after `now` (see {@link hasRoom}).
 * @example nextSendAt([0, 10], { cap: 2, windowMs: 1000, gapMs: 0 }, 20) // 1000
 */
export function nextSendAt(
	sent: readonly number[],
	rule: PaceRule,
	now: number,
	tat = scheduleAfter(sent, rule),
): number {
	if (hasRoom(sent, rule, now, tat)) return now;
	const nth = sent[sent.length - rule.cap];
	return Math.max(now, nth === undefined ? now : nth + rule.windowMs, tat - rule.gapMs);
}

type Waiter = { send: () => void; gone: boolean };
/** `tat`: the schedule's next theoretical send time (see {@link scheduleAfter}), kept as sends go. */
type Lane = { rule: PaceRule; sent: number[]; tat: number; queue: Waiter[]; timer: unknown; due: number };

/** Lanes kept before idle ones (nothing waiting, last send a window ago) are dropped. */
const SWEEP_AT = 256;

/**
 * One queue of dials per key, each released when the key's window has room.
 *
 * @example
 * const pacer = new DialPacer();
 * const cancel = pacer.acquire("campaign-1", 100, () => sendInvite());
 * // cancel() before the slot: the dial is dropped and takes no slot
 */
export class DialPacer {
	readonly #lanes = new Map<string, Lane>();
	readonly #clock: PaceClock;

	constructor(clock: PaceClock = processClock) {
		this.#clock = clock;
	}

	/**
	 * Calls `send` once the key has room: at once (synchronously) when it has
	 * room now and nobody is waiting, else from a timer, after the dials queued
	 * before it. The latest rate given for a key is the one in force.
	 * @returns cancel: drops the dial if it has not been released yet.
	 */
	acquire(key: string, callsPerSecond: number, send: () => void): () => void {
		const lane = this.#lane(key, callsPerSecond);
		const waiter: Waiter = { send, gone: false };
		lane.queue.push(waiter);
		this.#pump(lane);
		return () => {
			waiter.gone = true;
		};
	}

	/** Dials waiting, over all keys. */
	get waiting(): number {
		let n = 0;
		for (const lane of this.#lanes.values()) n += lane.queue.filter((w) => !w.gone).length;
		return n;
	}

	#lane(key: string, callsPerSecond: number): Lane {
		let lane = this.#lanes.get(key);
		if (!lane) {
			if (this.#lanes.size >= SWEEP_AT) this.#sweep();
			lane = {
				rule: paceRule(callsPerSecond),
				sent: [],
				tat: Number.NEGATIVE_INFINITY,
				queue: [],
				timer: undefined,
				due: 0,
			};
			this.#lanes.set(key, lane);
		} else lane.rule = paceRule(callsPerSecond);
		return lane;
	}

	#pump(lane: Lane): void {
		for (;;) {
			while (lane.queue[0]?.gone) lane.queue.shift();
			const head = lane.queue[0];
			if (!head) {
				this.#disarm(lane);
				return;
			}
			// The clock is read again at every release: a timer that fires early only re-arms.
			const now = this.#clock.now();
			if (!hasRoom(lane.sent, lane.rule, now, lane.tat)) {
				this.#arm(lane, nextSendAt(lane.sent, lane.rule, now, lane.tat), now);
				return;
			}
			lane.queue.shift();
			try {
				head.send();
			} finally {
				// Stamped after the send, not at the decision: the process may be preempted in between,
				// and the slot must count from no earlier than the INVITE reached the socket.
				const at = this.#clock.now();
				lane.sent.push(at);
				lane.tat = Math.max(lane.tat, at) + lane.rule.gapMs;
				if (lane.sent.length > 2 * lane.rule.cap) lane.sent.splice(0, lane.sent.length - lane.rule.cap);
			}
		}
	}

	#arm(lane: Lane, at: number, now: number): void {
		if (lane.timer !== undefined && lane.due === at) return;
		// At least 1 ms: when `at` rounds to `now`, the window still lacks a hair and the timer comes back.
		this.#disarm(lane);
		lane.due = at;
		lane.timer = this.#clock.setTimeout(
			() => {
				lane.timer = undefined;
				this.#pump(lane);
			},
			Math.max(1, Math.ceil(at - now)),
		);
	}

	#disarm(lane: Lane): void {
		if (lane.timer === undefined) return;
		this.#clock.clearTimeout(lane.timer);
		lane.timer = undefined;
	}

	#sweep(): void {
		const now = this.#clock.now();
		for (const [key, lane] of this.#lanes) {
			const last = lane.sent.at(-1) ?? Number.NEGATIVE_INFINITY;
			if (!lane.queue.some((w) => !w.gone) && now - last >= lane.rule.windowMs) {
				this.#disarm(lane);
				this.#lanes.delete(key);
			}
		}
	}
}

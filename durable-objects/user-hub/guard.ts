import { LIMITS } from "@hatch/contract/limits";

type State = { tokens: number; at: number; bad: number[] };

/**
 * The guards' clock. Tests stop it to send a burst that no refill can absorb,
 * however slowly a loaded machine delivers the frames; nothing else sets it.
 */
export const guardClock = { now: (): number => Date.now() };

/**
 * Per-socket abuse limits: a token bucket for frame rate and a count of bad
 * frames in a window. Kept in memory on purpose: a hub that hibernates has
 * been idle, so a fresh bucket after waking is correct, and the attachment
 * stays identity-only.
 */
export class SocketGuard {
	private readonly state = new WeakMap<WebSocket, State>();

	private get(ws: WebSocket, now: number): State {
		let s = this.state.get(ws);
		if (!s) {
			s = { tokens: LIMITS.FRAMES_BURST, at: now, bad: [] };
			this.state.set(ws, s);
		}
		return s;
	}

	/** Takes one token; returns 0 when allowed, else ms until the next token. */
	rateLimit(ws: WebSocket, now = guardClock.now()): number {
		const s = this.get(ws, now);
		s.tokens = Math.min(LIMITS.FRAMES_BURST, s.tokens + ((now - s.at) * LIMITS.FRAMES_PER_S) / 1000);
		s.at = now;
		if (s.tokens < 1) return Math.ceil(((1 - s.tokens) * 1000) / LIMITS.FRAMES_PER_S);
		s.tokens -= 1;
		return 0;
	}

	/** Records a bad frame; true when the socket has sent too many and must be closed (1008). */
	badFrame(ws: WebSocket, now = guardClock.now()): boolean {
		const s = this.get(ws, now);
		s.bad = s.bad.filter((t) => now - t < LIMITS.BAD_FRAMES_WINDOW_MS);
		s.bad.push(now);
		return s.bad.length >= LIMITS.BAD_FRAMES_MAX;
	}
}

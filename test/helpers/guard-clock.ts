import { guardClock } from "../../durable-objects/user-hub/guard";

/**
 * Runs `burst` with the sockets' rate-limit clock stopped: no token comes back
 * while it runs, so a burst past FRAMES_BURST is limited however slowly a
 * loaded machine delivers its frames. The clock runs again afterwards.
 *
 * @example await withGuardClockStopped(() => sendBurstAndWait());
 */
export async function withGuardClockStopped<T>(burst: () => Promise<T>): Promise<T> {
	const at = Date.now();
	guardClock.now = () => at;
	try {
		return await burst();
	} finally {
		guardClock.now = () => Date.now();
	}
}

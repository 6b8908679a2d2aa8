import { HttpDialer } from "./http-dialer";
import type { Dialer } from "./types";

export type { Dialer, DialerEvent, DialRequest, DialResult, Outcome } from "./types";

let testDialer: Dialer | null = null;

/**
 * The dialer for this deployment: DIALER_URL (a local process) when set,
 * else the DIALER_CONTAINER Cloudflare Container binding. Callers never know
 * which.
 *
 * @example const dialer = dialerFor(env); await dialer.createCall(req);
 */
export function dialerFor(env: Env): Dialer {
	if (testDialer && env.ENVIRONMENT === "test") return testDialer;
	if (env.DIALER_URL)
		return new HttpDialer((r) => fetch(r), env.DIALER_URL, env.DIALER_SECRET, env.SIP_HOST_DENY);
	if (!env.DIALER_CONTAINER) throw new Error("no dialer configured: set DIALER_URL or bind DIALER_CONTAINER");
	// One named instance per deployment for now; the name is the unit of scale-out.
	const stub = env.DIALER_CONTAINER.get(env.DIALER_CONTAINER.idFromName("dialer-0"));
	return new HttpDialer(
		(r) => stub.fetch(r),
		"http://dialer.container",
		env.DIALER_SECRET,
		env.SIP_HOST_DENY,
	);
}

/**
 * Tests swap in a fake dialer; honoured only when ENVIRONMENT is "test", so
 * it cannot take effect in a deployed Worker.
 */
export function setDialerForTests(dialer: Dialer | null): void {
	testDialer = dialer;
}

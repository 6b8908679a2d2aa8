import { fleetNames } from "./fleet";
import { HttpDialer } from "./http-dialer";
import type { Dialer } from "./types";

export type { Dialer, DialerEvent, DialRequest, DialResult, Outcome } from "./types";

let testDialers: Dialer | Record<string, Dialer> | null = null;

/** How long a health check may take before the dialer counts as not answering. */
const HEALTH_TIMEOUT_MS = 2000;

/**
 * The names of this deployment's dialers (see `fleetNames`): URLs of local
 * processes in development, DIALER_CONTAINER instance names in production.
 */
export function dialerFleet(env: Env): string[] {
	if (testDialers && env.ENVIRONMENT === "test")
		return "createCall" in testDialers ? ["dialer-0"] : Object.keys(testDialers);
	return fleetNames(env);
}

/**
 * One dialer of the fleet by name (default: the first): a URL of DIALER_URLS
 * or DIALER_URL reached with fetch, else the DIALER_CONTAINER instance of that
 * name. Callers never know which.
 *
 * @example const dialer = dialerFor(env, "dialer-1"); await dialer.createCall(req);
 */
export function dialerFor(env: Env, name?: string, opts: { health?: boolean } = {}): Dialer {
	const timeout = opts.health ? HEALTH_TIMEOUT_MS : undefined;
	if (testDialers && env.ENVIRONMENT === "test") {
		if ("createCall" in testDialers) return testDialers as Dialer;
		const all = testDialers as Record<string, Dialer>;
		const d = all[name ?? Object.keys(all)[0] ?? ""];
		if (!d) throw new Error(`no test dialer named ${name}`);
		return d;
	}
	const target = name ?? fleetNames(env)[0] ?? "dialer-0";
	if (/^https?:\/\//.test(target))
		return new HttpDialer((r) => fetch(r), target, env.DIALER_SECRET, env.SIP_HOST_DENY, timeout);
	if (!env.DIALER_CONTAINER)
		throw new Error("no dialer configured: set DIALER_URL(S) or bind DIALER_CONTAINER");
	// The instance name is the unit of scale-out: dialer-0 … dialer-<DIALER_FLEET_SIZE - 1>.
	const stub = env.DIALER_CONTAINER.get(env.DIALER_CONTAINER.idFromName(target));
	return new HttpDialer(
		(r) => stub.fetch(r),
		"http://dialer.container",
		env.DIALER_SECRET,
		env.SIP_HOST_DENY,
		timeout,
	);
}

/**
 * Tests swap in a fake dialer, or a fleet of them by name; honoured only when
 * ENVIRONMENT is "test", so it cannot take effect in a deployed Worker.
 */
export function setDialerForTests(dialer: Dialer | Record<string, Dialer> | null): void {
	testDialers = dialer;
}

/** Shared test plumbing: an in-process dialer on random loopback ports. */
import { createDialer, type Dialer } from "../src/app.ts";
import type { CallEvent } from "../src/call/types.ts";
import type { Config } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import type { Lookup } from "../src/sip/destination.ts";

export const SECRET = "test-dialer-secret-0123456789abcdef";
/** The Worker's SIP_HOST_DENY in tests: every non-public range but loopback, where sipp listens. */
export const TEST_DENY = "private,link-local,cgnat,multicast,reserved";

export interface TestDialer {
	dialer: Dialer;
	base: string;
	sipPort: number;
	token: string;
	events: CallEvent[];
	stop(): Promise<void>;
}

/** Start a dialer with SIP T1 shortened so timer B fires in ~3 s; `lookup` replaces DNS. */
export async function startDialer(over: Partial<Config> = {}, lookup?: Lookup): Promise<TestDialer> {
	const rtpBase = 20000 + 2 * Math.floor(Math.random() * 15000);
	const config: Config = {
		port: 0,
		host: "127.0.0.1",
		secret: SECRET,
		publicIp: "127.0.0.1",
		sipBind: "127.0.0.1",
		sipPort: 0,
		rtpPortMin: rtpBase,
		rtpPortMax: rtpBase + 400,
		maxCalls: 50,
		sipT1Ms: 50,
		mediaNice: 0,
		mediaRealtime: 0,
		// Tests run the production path: the native sender must be built (npm test builds it).
		nativeSend: "on",
		logLevel: "silent",
		...over,
	};
	const dialer = createDialer(config, {
		log: createLogger(process.env.DIALER_LOG ? "info" : "silent"),
		retry: { firstDelayMs: 20, maxDelayMs: 100, giveUpAfterMs: 2000 },
		lookup,
	});
	const { controlPort, sipPort } = await dialer.start();
	const events: CallEvent[] = [];
	const broadcast = dialer.control.broadcast.bind(dialer.control);
	dialer.control.broadcast = (e) => {
		events.push(e);
		broadcast(e);
	};
	return {
		dialer,
		base: `http://127.0.0.1:${controlPort}`,
		sipPort,
		token: await dialer.tokens.forDialer(),
		events,
		stop: () => dialer.stop(2000),
	};
}

/** Wait until `pred` holds, polling; fails after `ms`. */
export async function waitFor<T>(
	pred: () => T | undefined | false,
	ms = 10_000,
	what = "condition",
): Promise<T> {
	const until = Date.now() + ms;
	while (Date.now() < until) {
		const v = pred();
		if (v) return v;
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`timed out waiting for ${what}`);
}

/**
 * POST /calls with the test token; an object body gets the tests' deny list
 * as `host_deny` unless it names its own (`host_deny: undefined` sends none).
 */
export async function postCall(t: TestDialer, body: unknown, token = t.token): Promise<Response> {
	const withDeny =
		body && typeof body === "object" && !Array.isArray(body) ? { host_deny: TEST_DENY, ...body } : body;
	return fetch(`${t.base}/calls`, {
		method: "POST",
		headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
		body: JSON.stringify(withDeny),
	});
}

// biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary JSON bodies
export type Json = any;

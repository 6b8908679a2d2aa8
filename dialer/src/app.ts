/**
 * Assembles a dialer from its parts: SIP agent, media thread (RTP), audio store,
 * call manager, callback delivery and control server. main.ts and the tests
 * both build it through {@link createDialer}.
 */
import { AudioConverter } from "./audio/converter.ts";
import { AudioStore } from "./audio/store.ts";
import { CallbackDelivery, DEFAULT_RETRY, type RetryPolicy } from "./call/delivery.ts";
import { CallManager } from "./call/manager.ts";
import type { Config } from "./config.ts";
import { TokenService } from "./control/auth.ts";
import { ControlServer } from "./control/server.ts";
import { createLogger, type Logger } from "./log.ts";
import { MediaThread } from "./rtp/media-thread.ts";
import { SipAgent } from "./sip/agent.ts";
import type { Lookup } from "./sip/destination.ts";

/** A running (or startable) dialer. */
export interface Dialer {
	start(): Promise<{ controlPort: number; sipPort: number }>;
	stop(drainMs?: number): Promise<void>;
	manager: CallManager;
	tokens: TokenService;
	agent: SipAgent;
	control: ControlServer;
	delivery: CallbackDelivery;
	media: MediaThread;
}

/** Build a dialer; `retry` shortens callback backoff in tests, `lookup` replaces DNS in them. */
export function createDialer(
	config: Config,
	opts: { log?: Logger; retry?: RetryPolicy; lookup?: Lookup } = {},
): Dialer {
	const log = opts.log ?? createLogger(config.logLevel);
	const tokens = new TokenService(config.secret);
	const agent = new SipAgent({
		bindHost: config.sipBind,
		port: config.sipPort,
		publicHost: config.publicIp,
		timers: { t1: config.sipT1Ms, t2: 8 * config.sipT1Ms },
		log,
		lookup: opts.lookup,
	});
	const converter = new AudioConverter();
	const audio = new AudioStore(
		async (url, headers) => {
			const token = await tokens.outbound();
			return fetch(url, {
				headers: { ...headers, authorization: `Bearer ${token}` },
				signal: AbortSignal.timeout(15_000),
			});
		},
		64,
		Date.now,
		(bytes, hash) => converter.prepare(bytes, hash),
	);
	const delivery = new CallbackDelivery(
		async (url, events) => {
			const token = await tokens.outbound();
			const res = await fetch(url, {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
				body: JSON.stringify(events),
				signal: AbortSignal.timeout(10_000),
			});
			await res.body?.cancel();
			return res.status;
		},
		log,
		opts.retry ?? DEFAULT_RETRY,
	);
	let draining = false;
	let control: ControlServer;
	const media = new MediaThread({
		host: config.sipBind,
		portMin: config.rtpPortMin,
		portMax: config.rtpPortMax,
		capacity: config.maxCalls,
		nice: config.mediaNice,
		realtime: config.mediaRealtime,
		nativeSend: config.nativeSend,
		ioUring: config.ioUring !== "off",
		sendClock: config.sendClock !== "off",
		sendRealtime: config.sendRealtime,
		log,
	});
	const manager = new CallManager({
		agent,
		media,
		audio,
		capacity: config.maxCalls,
		playoutMs: config.byePlayoutMs,
		log,
		onEvent: (event, callbackUrl) => {
			if (callbackUrl) delivery.enqueue(callbackUrl, event);
			control.broadcast(event);
		},
	});
	control = new ControlServer({
		manager,
		tokens,
		log,
		draining: () => draining,
		rtpSend: () => media.sendPath && (media.sendPath.native ? "native" : "dgram"),
		rtpClock: () => media.sendPath?.clock,
	});
	return {
		manager,
		tokens,
		agent,
		control,
		delivery,
		media,
		async start() {
			converter.start();
			await media.start();
			await agent.start();
			const controlPort = await control.listen(config.port, config.host);
			log.info("dialer listening", { controlPort, sipPort: agent.port, publicIp: config.publicIp });
			return { controlPort, sipPort: agent.port };
		},
		async stop(drainMs = 10_000) {
			draining = true;
			await manager.drain(drainMs);
			await delivery.flush(Math.min(drainMs, 5_000));
			delivery.close();
			await control.close();
			// Give the last BYE/CANCEL a moment on the wire before the socket goes.
			await new Promise((r) => setTimeout(r, 100));
			agent.close();
			await media.stop();
			await converter.close();
		},
	};
}

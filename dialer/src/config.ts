import { isIPv4 } from "node:net";

/**
 * Configuration from the environment, validated once at start-up so a bad
 * deployment fails loudly instead of dialing with defaults nobody meant.
 */

/** Everything the dialer process needs to know. */
export interface Config {
	port: number;
	host: string;
	secret: string;
	publicIp: string;
	sipBind: string;
	sipPort: number;
	rtpPortMin: number;
	rtpPortMax: number;
	maxCalls: number;
	sipT1Ms: number;
	/** Nice value for the media thread (-20 … 0; 0 leaves it alone). */
	mediaNice: number;
	/** SCHED_FIFO priority for the media thread (1-99; 0 = normal scheduler). */
	mediaRealtime: number;
	/** RTP through the native sender: `auto` when built, `on` required (start fails without), `off` dgram only. */
	nativeSend: NativeSendMode;
	/** The native sender's batches through io_uring (`auto`, when the kernel allows) or one send() each (`off`). */
	ioUring?: "auto" | "off";
	/** The native send clock (`auto`: with the native sender) or the JS pacer's own timing (`off`). */
	sendClock?: "auto" | "off";
	/** SCHED_FIFO priority of the send clock's thread (1-99, when allowed; 0 = nice only). */
	sendRealtime?: number;
	/** Wait between a sound's last RTP packet and the BYE, for the far end's jitter buffer (ms). */
	byePlayoutMs?: number;
	logLevel: "info" | "warn" | "error" | "silent";
}

const isWildcard = (address: string) => address === "0.0.0.0" || address === "::";

/** DIALER_NATIVE_SEND. */
export type NativeSendMode = "auto" | "on" | "off";

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
	const raw = env[name];
	if (raw === undefined || raw === "") return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < min || n > max)
		throw new Error(`${name} must be an integer in [${min}, ${max}], got "${raw}"`);
	return n;
}

/**
 * Read the configuration.
 * @throws Error naming the offending variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
	const secret = env.DIALER_SECRET ?? "";
	if (secret.length < 16) throw new Error("DIALER_SECRET is required (at least 16 characters)");
	const host = env.DIALER_HOST || "127.0.0.1";
	const sipBind = env.DIALER_SIP_BIND || host;
	const rtpPortMin = int(env, "DIALER_RTP_PORT_MIN", 10000, 1024, 65534);
	const rtpPortMax = int(env, "DIALER_RTP_PORT_MAX", 20000, 1025, 65535);
	if (rtpPortMax - rtpPortMin < 2)
		throw new Error("DIALER_RTP_PORT_MAX must exceed DIALER_RTP_PORT_MIN by at least 2");
	const level = env.DIALER_LOG_LEVEL ?? "info";
	if (!["info", "warn", "error", "silent"].includes(level))
		throw new Error("DIALER_LOG_LEVEL must be info|warn|error|silent");
	const publicIp = env.DIALER_PUBLIC_IP || (isWildcard(sipBind) ? "" : sipBind);
	// A wildcard bind has no address of its own to advertise: 127.0.0.1 in the SDP and
	// Contact would make the gateway send our RTP and BYE nowhere, silently.
	if (!publicIp)
		throw new Error("DIALER_PUBLIC_IP is required when DIALER_SIP_BIND is a wildcard address (0.0.0.0)");
	if (!isIPv4(publicIp))
		throw new Error(
			`DIALER_PUBLIC_IP must be an IPv4 address (it goes into SDP and Contact), got "${publicIp}"`,
		);
	const nativeSend = env.DIALER_NATIVE_SEND || "auto";
	const ioUring = env.DIALER_IO_URING || "auto";
	if (ioUring !== "auto" && ioUring !== "off") throw new Error("DIALER_IO_URING must be auto|off");
	const sendClock = env.DIALER_SEND_CLOCK || "auto";
	if (sendClock !== "auto" && sendClock !== "off") throw new Error("DIALER_SEND_CLOCK must be auto|off");
	if (!["auto", "on", "off"].includes(nativeSend)) throw new Error("DIALER_NATIVE_SEND must be auto|on|off");
	return {
		port: int(env, "DIALER_PORT", 8788, 0, 65535),
		host,
		secret,
		publicIp,
		sipBind,
		sipPort: int(env, "DIALER_SIP_PORT", 5062, 0, 65535),
		rtpPortMin,
		rtpPortMax,
		maxCalls: int(env, "DIALER_MAX_CALLS", 500, 1, 10000),
		sipT1Ms: int(env, "DIALER_SIP_T1_MS", 500, 10, 5000),
		mediaNice: int(env, "DIALER_MEDIA_NICE", -10, -20, 0),
		mediaRealtime: int(env, "DIALER_MEDIA_RT_PRIORITY", 5, 0, 99),
		sendClock,
		sendRealtime: int(env, "DIALER_SEND_RT_PRIORITY", 10, 0, 99),
		nativeSend: nativeSend as NativeSendMode,
		ioUring,
		byePlayoutMs: int(env, "DIALER_BYE_PLAYOUT_MS", 250, 0, 2000),
		logLevel: level as Config["logLevel"],
	};
}

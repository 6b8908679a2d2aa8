/**
 * Test plumbing for the UAS-side tests: a real SipAgent on loopback and a far
 * end that sends raw SIP text over UDP and collects what comes back, parsed.
 */
import dgram from "node:dgram";
import { SipAgent } from "../../src/sip/agent.ts";
import { header, type SipMessage, type SipResponse } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";

/** A silent logger that keeps warnings for assertions. */
export function quietLog() {
	const warnings: string[] = [];
	return {
		warnings,
		info() {},
		warn(msg: string) {
			warnings.push(msg);
		},
		error(msg: string) {
			warnings.push(msg);
		},
	};
}

/** A started agent with short timers (T1 20 ms, T2 80 ms unless told). */
export async function startAgent(t1 = 20, t2 = 4 * t1): Promise<SipAgent> {
	const agent = new SipAgent({
		bindHost: "127.0.0.1",
		port: 0,
		publicHost: "127.0.0.1",
		timers: { t1, t2 },
		log: quietLog(),
	});
	await agent.start();
	return agent;
}

/** Something received by the peer, with its arrival time. */
export interface Received {
	msg: SipMessage;
	raw: string;
	at: number;
}

/** The far end: one UDP socket that talks to `agentPort`. */
export interface Peer {
	port: number;
	got: Received[];
	send(text: string): void;
	/** Wait for the `n`-th message (1-based) matching `pred`. */
	next(pred?: (r: Received) => boolean, ms?: number, n?: number): Promise<Received>;
	responses(): SipResponse[];
	close(): Promise<void>;
}

/** Open a far-end UDP socket. */
export async function openPeer(agentPort: number): Promise<Peer> {
	const sock = dgram.createSocket("udp4");
	const got: Received[] = [];
	sock.on("message", (buf) => {
		const r = parseMessage(buf);
		if (r.ok) got.push({ msg: r.message, raw: buf.toString("latin1"), at: performance.now() });
	});
	await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
	const port = sock.address().port;
	return {
		port,
		got,
		send: (text) =>
			sock.send(Buffer.from(text.replaceAll("@PORT@", String(port)), "latin1"), agentPort, "127.0.0.1"),
		async next(pred = () => true, ms = 3000, n = 1) {
			const until = Date.now() + ms;
			while (Date.now() < until) {
				const hits = got.filter(pred);
				if (hits.length >= n) return hits[n - 1];
				await new Promise((r) => setTimeout(r, 5));
			}
			throw new Error("peer: nothing matching arrived");
		},
		responses: () => got.map((g) => g.msg).filter((m): m is SipResponse => m.kind === "response"),
		close: () => new Promise<void>((r) => sock.close(() => r())),
	};
}

/**
 * A request as raw text; `@PORT@` becomes the peer's port. Headers in `extra`
 * replace the defaults of the same name (a `null` value drops the header).
 */
export function request(
	method: string,
	o: {
		callId?: string;
		branch?: string;
		cseq?: string;
		via?: string;
		from?: string;
		to?: string;
		body?: string;
		extra?: Record<string, string | null>;
	} = {},
): string {
	const h: Record<string, string | null> = {
		Via: o.via ?? `SIP/2.0/UDP 127.0.0.1:@PORT@;branch=${o.branch ?? "z9hG4bKpeer1"}`,
		From: o.from ?? "<sip:gw@127.0.0.1>;tag=far",
		To: o.to ?? "<sip:hatch@127.0.0.1>",
		"Call-ID": o.callId ?? "call-1@peer",
		CSeq: o.cseq ?? `1 ${method}`,
		"Max-Forwards": "70",
		...(o.body ? { "Content-Type": "application/sdp" } : {}),
		...o.extra,
	};
	const lines = Object.entries(h)
		.filter((e): e is [string, string] => e[1] !== null)
		.map(([k, v]) => `${k}: ${v}`);
	const body = o.body ?? "";
	return `${method} sip:hatch@127.0.0.1 SIP/2.0\r\n${lines.join("\r\n")}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A response matching `status` and the request's CSeq method. */
export const isStatus =
	(status: number, method?: string) =>
	(r: Received): boolean =>
		r.msg.kind === "response" &&
		r.msg.status === status &&
		(!method || (header(r.msg, "cseq") ?? "").endsWith(` ${method}`));

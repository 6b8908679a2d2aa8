/**
 * A UAC against a scripted far end, for the uac-*.test.ts files: the real
 * SipAgent and transaction layer with the transport's send replaced by a
 * recorder (no sockets). Tests run it under fake timers.
 */
import { createLogger } from "../../src/log.ts";
import { buildOffer } from "../../src/sdp/sdp.ts";
import { SipAgent } from "../../src/sip/agent.ts";
import { parseAuthParams } from "../../src/sip/digest.ts";
import { type Header, header, type SipMessage, type SipRequest, serialize } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";
import type { Endpoint } from "../../src/sip/transport.ts";
import { type Pace, type Trunk, UacCall } from "../../src/sip/uac.ts";
import { TEST_DENY } from "../helpers.ts";

const OUR_SDP = buildOffer({
	address: "127.0.0.1",
	port: 10002,
	codecs: ["PCMU"],
	sessionId: "1",
	version: 1,
});

/** T1 of the agent (timer B = 6.4 s of fake time). */
export const T1 = 100;
/** The gateway the call goes through. */
export const TRUNK: Endpoint = { host: "127.0.0.1", port: 5999, transport: "udp" };

function roundtrip(msg: SipMessage): SipMessage {
	const r = parseMessage(serialize(msg));
	if (!r.ok) throw new Error(`unparsable: ${r.error}`);
	return r.message;
}

/**
 * A started call through {@link TRUNK}: what it sent, what it reported (`seen`),
 * and `reply`/`deliver` to play the far end.
 */
export function harness(trunk: Partial<Trunk> = {}, pace?: Pace) {
	const agent = new SipAgent({
		bindHost: "127.0.0.1",
		port: 0,
		publicHost: "127.0.0.1",
		timers: { t1: T1, t2: 4 * T1 },
		log: createLogger("silent"),
	});
	const sent: Array<{ dest: Endpoint; bytes: Buffer; msg: SipRequest }> = [];
	/** Statuses of the responses we sent to the far end's requests. */
	const answers: number[] = [];
	agent.transport.send = (dest, bytes) => {
		const r = parseMessage(bytes);
		if (!r.ok) throw new Error(`the UAC sent an unparsable message: ${r.error}`);
		if (r.message.kind === "request") sent.push({ dest, bytes, msg: r.message });
		else answers.push(r.message.status);
	};
	const seen: string[] = [];
	const call = new UacCall(
		agent,
		{ ...TRUNK, username: "alice", password: "pw", deny: TEST_DENY, ...trunk },
		"1555",
		{
			provisional: (s) => seen.push(`provisional ${s}`),
			answered: () => seen.push("answered"),
			failed: (s, r, unreachable) => seen.push(`failed ${s} ${r}${unreachable ? " (unreachable)" : ""}`),
			remoteBye: () => seen.push("remote bye"),
			reoffer: () => OUR_SDP,
		},
		pace,
	);
	const of = (method: string) => sent.filter((s) => s.msg.method === method);
	const invite = () => {
		const all = of("INVITE");
		return all[all.length - 1].msg;
	};
	const deliver = (msg: SipMessage, from: Endpoint = TRUNK) =>
		agent.transport.events.message(roundtrip(msg), from);
	/** The far end answers `req` (the last INVITE by default). */
	const reply = (status: number, o: { req?: SipRequest; tag?: string; extra?: Header[] } = {}) => {
		const req = o.req ?? invite();
		const headers: Header[] = [];
		for (const h of req.headers) {
			if (h[0] === "to" && status > 100 && o.tag !== "") headers.push(["to", `${h[1]};tag=${o.tag ?? "a"}`]);
			else if (["via", "from", "to", "call-id", "cseq"].includes(h[0])) headers.push(h);
		}
		deliver({
			kind: "response",
			status,
			reason: "Test",
			headers: [...headers, ...(o.extra ?? [])],
			body: "",
		});
	};
	let branch = 0;
	/** The far end sends `method` in the call's dialog, From tag `fromTag`. */
	const request = (method: string, fromTag: string, body = "", extra: Header[] = []) =>
		deliver({
			kind: "request",
			method,
			uri: "sip:hatch@127.0.0.1",
			headers: [
				["via", `SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKfar${++branch}`],
				["from", `<sip:1555@127.0.0.1:5999>;tag=${fromTag}`],
				["to", header(invite(), "from") ?? ""],
				["call-id", header(invite(), "call-id") ?? ""],
				["cseq", `${10 + branch} ${method}`],
				...extra,
			],
			body,
		});
	call.start(OUR_SDP);
	return { agent, call, sent, answers, seen, of, invite, reply, deliver, request };
}

/** A request's To value. */
export const toOf = (req: SipRequest) => header(req, "to");
/** The digest parameters of a request's (Proxy-)Authorization. */
export const authParams = (req: SipRequest) =>
	parseAuthParams(
		(header(req, "authorization") ?? header(req, "proxy-authorization") ?? "").replace(/^Digest\s+/, ""),
	);

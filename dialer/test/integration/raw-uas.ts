/**
 * A far end written in the test itself: one UDP socket that answers an INVITE
 * with 200 OK and SDP aimed at `rtpPort`, takes the ACK, answers a BYE with 200
 * and keeps every request with its arrival time (performance.now()), so a test
 * can hold SIP timing against the RTP it captured in the same process.
 */
import dgram from "node:dgram";
import { header, type SipRequest } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";

/** A request the far end received, and when. */
export interface Arrived {
	req: SipRequest;
	at: number;
}

/** The running far end. */
export interface RawUas {
	port: number;
	requests: Arrived[];
	close(): Promise<void>;
}

/** The response to `req` with `status`: its Via, From, To (tagged), Call-ID and CSeq, and `body`. */
function respond(req: SipRequest, status: number, reason: string, port: number, body = ""): string {
	const h = (n: string) => header(req, n) ?? "";
	const to = h("to").includes(";tag=") ? h("to") : `${h("to")};tag=rawuas`;
	const lines = [
		`SIP/2.0 ${status} ${reason}`,
		...req.headers.filter(([n]) => n === "via").map(([, v]) => `Via: ${v}`),
		`From: ${h("from")}`,
		`To: ${to}`,
		`Call-ID: ${h("call-id")}`,
		`CSeq: ${h("cseq")}`,
		`Contact: <sip:uas@127.0.0.1:${port}>`,
		...(body ? ["Content-Type: application/sdp"] : []),
		`Content-Length: ${Buffer.byteLength(body)}`,
	];
	return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Start the far end on a free loopback port. */
export async function startRawUas(rtpPort: number): Promise<RawUas> {
	const sock = dgram.createSocket("udp4");
	const requests: Arrived[] = [];
	await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
	const port = sock.address().port;
	const sdp = `v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${rtpPort} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`;
	sock.on("message", (buf, rinfo) => {
		const at = performance.now();
		const r = parseMessage(buf);
		if (!r.ok || r.message.kind !== "request") return;
		const req = r.message;
		requests.push({ req, at });
		const reply = (text: string) => sock.send(Buffer.from(text, "latin1"), rinfo.port, rinfo.address);
		if (req.method === "INVITE") reply(respond(req, 200, "OK", port, sdp));
		else if (req.method === "BYE") reply(respond(req, 200, "OK", port));
	});
	return { port, requests, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/**
 * RFC 4475's torture messages against the dialer's SIP parser and its user
 * agent on loopback. The parser must read every well-formed message the RFC
 * lists (but two refused on purpose, below) and never fail by exception; the
 * agent, fed every message over UDP and TCP, must answer each request it
 * parsed with one response of the right class, never a 2xx to anything but a
 * well-formed OPTIONS, and keep serving: a marker OPTIONS sent last is answered.
 */
import net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SipAgent } from "../../src/sip/agent.ts";
import { header, type SipMessage } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";
import { TORTURE, torture, wire } from "../fixtures/rfc4475.ts";
import { isStatus, openPeer, type Peer, request, startAgent } from "./sip-peer.ts";

// Well-formed per the RFC, refused here on purpose: a NUL byte in a header
// section is never passed on (intmeth quotes one), and a user agent that only
// places sip: calls has no use for an unknown URI scheme (novelsc).
const REFUSED_VALID = new Set(["intmeth", "novelsc"]);

/** What the agent sent, parsed, recorded at the transport. */
function recordSends(agent: SipAgent): SipMessage[] {
	const sent: SipMessage[] = [];
	const send = agent.transport.send.bind(agent.transport);
	agent.transport.send = (dest, bytes) => {
		const r = parseMessage(bytes);
		if (r.ok) sent.push(r.message);
		send(dest, bytes);
	};
	return sent;
}

describe("RFC 4475 torture messages: the parser", () => {
	for (const t of TORTURE) {
		it(`${t.name} (${t.valid ? "valid" : "invalid"})`, () => {
			const r = parseMessage(wire(t));
			// A refusal is always a reason the parser chose, never a caught exception.
			if (!r.ok) expect(r.error).not.toMatch(/^parser error/);
			if (t.valid && !REFUSED_VALID.has(t.name)) {
				expect(r.ok, r.ok ? "" : r.error).toBe(true);
				if (r.ok) expect(header(r.message, "call-id")).toMatch(new RegExp(`^${t.name}\\.`));
			}
			if (REFUSED_VALID.has(t.name)) expect(r.ok).toBe(false);
		});
	}

	it("wsinv: folded, spaced and short-form headers read as the RFC says", () => {
		const r = parseMessage(wire(torture("wsinv")));
		if (!r.ok) throw new Error(r.error);
		expect(header(r.message, "max-forwards")).toBe("0068");
		expect(header(r.message, "cseq")?.replace(/\s+/g, " ")).toBe("0009 INVITE");
		expect(header(r.message, "subject")).toBe("");
		expect(header(r.message, "call-id")).toBe("wsinv.ndaksdj@192.0.2.1");
	});

	it("dblreq: one datagram, one message; the INVITE after it is noise", () => {
		const t = torture("dblreq");
		const r = parseMessage(wire(t));
		if (!r.ok) throw new Error(r.error);
		expect(r.message.kind === "request" && r.message.method).toBe("REGISTER");
		expect(r.consumed).toBeLessThan(wire(t).length);
	});
});

describe("RFC 4475 torture messages: the user agent", () => {
	let agent: SipAgent;
	let peer: Peer;
	let sent: SipMessage[];
	beforeEach(async () => {
		agent = await startAgent();
		sent = recordSends(agent);
		peer = await openPeer(agent.port);
	});
	afterEach(async () => {
		agent.close();
		await peer.close();
	});

	/** The marker: an OPTIONS sent after everything else, answered 200 in order. */
	async function marker(send: (text: string) => void): Promise<void> {
		send(request("OPTIONS", { callId: "marker@peer", branch: "z9hG4bKmarker" }));
		await peer.next((r) => header(r.msg, "call-id") === "marker@peer" && isStatus(200, "OPTIONS")(r), 5000);
	}

	function checkAnswers(): void {
		for (const t of TORTURE) {
			const r = parseMessage(wire(t));
			const answers = sent.filter(
				(m) => m.kind === "response" && header(m, "call-id") === (r.ok ? header(r.message, "call-id") : "-"),
			);
			if (!r.ok || r.message.kind === "response") {
				// Dropped unread, or a response no transaction of ours is waiting for.
				expect(answers, t.name).toEqual([]);
				continue;
			}
			const req = r.message;
			if (req.method === "ACK") continue;
			expect(answers.length, `${t.name}: one answer`).toBe(1);
			const status = answers[0].kind === "response" ? answers[0].status : 0;
			if (status < 300) expect(req.method, `${t.name}: only OPTIONS earns a 2xx`).toBe("OPTIONS");
			if (!t.valid && req.method === "OPTIONS") {
				// badaspec, baddn, mismatch01, trws...: refused or answered, never a crash.
				expect(status, t.name).toBeGreaterThanOrEqual(200);
			}
		}
	}

	it("over UDP: every request answered once, the agent still serving", async () => {
		for (const t of TORTURE) peer.send(wire(t).toString("latin1"));
		await marker((text) => peer.send(text));
		checkAnswers();
		const mismatch = sent.find((m) => header(m, "call-id") === "mismatch01.dj0234sxdfl3");
		expect(mismatch?.kind === "response" && mismatch.status).toBe(400);
		const newMethod = sent.find((m) => header(m, "call-id") === "mismatch02.dj0234sxdfl3");
		expect(newMethod?.kind === "response" && newMethod.status).toBe(400);
	});

	it("over TCP: each message on its own connection; garbage costs only that connection", async () => {
		for (const t of TORTURE) {
			const sock = net.connect(agent.port, "127.0.0.1");
			await new Promise<void>((r) => sock.once("connect", () => r()));
			sock.write(wire(t));
			await new Promise((r) => setTimeout(r, 5));
			sock.destroy();
		}
		await marker((text) => peer.send(text));
		expect(sent.some((m) => m.kind === "response" && m.status >= 500 && m.status !== 501)).toBe(false);
	});
});

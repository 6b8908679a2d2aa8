/**
 * RFC 3261 §17.1 client transactions on a fake transport under fake timers:
 * timer A (INVITE, doubling without a cap), timer E (non-INVITE, capped at T2,
 * every T2 in Proceeding), timers B/F at 64·T1, the ACK for a non-2xx final and
 * its re-sending, 2xx retransmissions, and what ends (and removes) a transaction.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/log.ts";
import { type SipMessage, type SipRequest, type SipResponse, serialize } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";
import { type ClientHandlers, TransactionLayer } from "../../src/sip/transaction.ts";
import type { Endpoint, SipTransport, TransportEvents } from "../../src/sip/transport.ts";

const T1 = 100;
const GW: Endpoint = { host: "192.0.2.10", port: 5060, transport: "udp" };

function layer(t2 = 4 * T1) {
	const start = Date.now();
	const sent: Array<{ at: number; dest: Endpoint; bytes: Buffer; msg: SipMessage }> = [];
	const transport: { events: TransportEvents; send(dest: Endpoint, bytes: Buffer): void } = {
		events: { message() {}, error() {} },
		send(dest: Endpoint, bytes: Buffer) {
			const r = parseMessage(bytes);
			if (!r.ok) throw new Error(`sent an unparsable message: ${r.error}`);
			sent.push({ at: Date.now() - start, dest, bytes, msg: r.message });
		},
	};
	const tx = new TransactionLayer(
		transport as unknown as SipTransport,
		{ t1: T1, t2 },
		createLogger("silent"),
	);
	const strays: SipResponse[] = [];
	tx.onStray = (res) => strays.push(res);
	// Responses travel as bytes, as they would off the wire.
	const deliver = (res: SipResponse, from: Endpoint = GW) => {
		const r = parseMessage(serialize(res));
		if (!r.ok) throw new Error(r.error);
		transport.events.message(r.message, from);
	};
	const seen: string[] = [];
	const handlers: ClientHandlers = {
		response: (res) => seen.push(`${res.status}`),
		failed: (why, detail) => seen.push(`failed ${why} ${detail}`),
	};
	return { tx, sent, deliver, strays, seen, handlers, transport };
}

let branches = 0;
function request(method: string): SipRequest {
	return {
		kind: "request",
		method,
		uri: "sip:1555@192.0.2.10",
		headers: [
			["via", `SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKtx${++branches};rport`],
			["max-forwards", "70"],
			["from", "<sip:hatch@192.0.2.10>;tag=ours"],
			["to", "<sip:1555@192.0.2.10>"],
			["call-id", `c${branches}@127.0.0.1`],
			["cseq", `1 ${method}`],
		],
		body: "",
	};
}

function response(req: SipRequest, status: number, toTag = "theirs"): SipResponse {
	return {
		kind: "response",
		status,
		reason: "Test",
		headers: req.headers
			.filter((h) => h[0] !== "max-forwards")
			.map((h) => (h[0] === "to" && status > 100 ? ["to", `${h[1]};tag=${toTag}`] : h)),
		body: "",
	};
}

const sendTimes = (sent: Array<{ at: number; msg: SipMessage }>, method: string) =>
	sent.filter((s) => s.msg.kind === "request" && s.msg.method === method).map((s) => s.at);

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("timers A and B (INVITE over UDP)", () => {
	it("retransmits at T1, 2·T1, 4·T1… without a cap at T2, then timer B fails it at 64·T1 and removes it", () => {
		const { tx, sent, seen, handlers } = layer();
		tx.request(request("INVITE"), GW, handlers);
		vi.advanceTimersByTime(64 * T1 - 1);
		// Intervals 100, 200, 400, 800, 1600, 3200: the last two exceed T2 (400).
		expect(sendTimes(sent, "INVITE")).toEqual([0, 100, 300, 700, 1500, 3100, 6300]);
		expect(seen).toEqual([]);
		expect(tx.size).toBe(1);
		vi.advanceTimersByTime(1);
		expect(seen).toEqual(["failed timeout timer B expired"]);
		expect(tx.size).toBe(0);
		vi.advanceTimersByTime(20 * T1);
		expect(sent).toHaveLength(7); // nothing after timer B
	});

	it("stops retransmitting on a provisional and waits for its owner: timer B does not fire in Proceeding", () => {
		const { tx, sent, seen, handlers, deliver } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		vi.advanceTimersByTime(150);
		deliver(response(invite, 100));
		vi.advanceTimersByTime(10 * 64 * T1);
		expect(sendTimes(sent, "INVITE")).toEqual([0, 100]);
		expect(seen).toEqual(["100"]);
		expect(tx.size).toBe(1); // only abandon() (or a final) ends it
	});

	it("abandon() ends a Proceeding INVITE silently; a late final then reaches nobody", () => {
		const { tx, seen, handlers, deliver } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		deliver(response(invite, 180));
		tx.abandon(invite);
		expect(tx.size).toBe(0);
		deliver(response(invite, 487));
		vi.advanceTimersByTime(100 * T1);
		expect(seen).toEqual(["180"]);
		expect(tx.size).toBe(0);
	});

	it("abandon() leaves a transaction that has its final: it still re-ACKs, then timer D removes it", () => {
		const { tx, sent, handlers, deliver } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		deliver(response(invite, 486));
		tx.abandon(invite);
		expect(tx.size).toBe(1);
		deliver(response(invite, 486));
		expect(sendTimes(sent, "ACK")).toHaveLength(2);
		vi.advanceTimersByTime(64 * T1);
		expect(tx.size).toBe(0);
	});

	it("abandon() of a request that is not the transaction's own (same branch, other object) does nothing", () => {
		const { tx, handlers } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		tx.abandon({ ...invite });
		expect(tx.size).toBe(1);
	});
});

describe("timers E and F (non-INVITE over UDP)", () => {
	it("doubles up to T2 and then retransmits every T2; timer F fails it at 64·T1", () => {
		const { tx, sent, seen, handlers } = layer();
		tx.request(request("BYE"), GW, handlers);
		vi.advanceTimersByTime(64 * T1 - 1);
		const every400 = Array.from({ length: 14 }, (_, i) => 1100 + 400 * i); // 1100 … 6300
		expect(sendTimes(sent, "BYE")).toEqual([0, 100, 300, 700, ...every400]);
		expect(seen).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(seen).toEqual(["failed timeout timer F expired"]);
		expect(tx.size).toBe(0);
	});

	it("in Proceeding (after a provisional) retransmits every T2, not doubling (§17.1.2.2)", () => {
		// T2 far above the doubled intervals makes the difference visible.
		const { tx, sent, seen, handlers, deliver } = layer(40 * T1);
		const bye = request("BYE");
		tx.request(bye, GW, handlers);
		vi.advanceTimersByTime(150);
		deliver(response(bye, 100));
		vi.advanceTimersByTime(64 * T1);
		// 300 was already due (armed at 100 with 200); then T2 = 4000 later; timer F at 6400.
		expect(sendTimes(sent, "BYE")).toEqual([0, 100, 300, 4300]);
		expect(seen).toEqual(["100", "failed timeout timer F expired"]);
	});

	it("a final reports once, absorbs retransmissions, and timer K removes it after 64·T1", () => {
		const { tx, seen, handlers, deliver } = layer();
		const bye = request("BYE");
		tx.request(bye, GW, handlers);
		deliver(response(bye, 200));
		deliver(response(bye, 200));
		expect(seen).toEqual(["200"]);
		expect(tx.size).toBe(1);
		vi.advanceTimersByTime(64 * T1);
		expect(tx.size).toBe(0);
	});
});

describe("finals of an INVITE", () => {
	it("ACKs a non-2xx in the transaction (same branch, To tag from the response) and re-ACKs its retransmission", () => {
		const { tx, sent, seen, handlers, deliver } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		deliver(response(invite, 486, "busy-tag"));
		deliver(response(invite, 486, "busy-tag"));
		const acks = sent.filter((s) => s.msg.kind === "request" && s.msg.method === "ACK");
		expect(acks).toHaveLength(2);
		expect(acks[1].bytes.equals(acks[0].bytes)).toBe(true); // the same ACK, byte for byte
		const ack = acks[0].msg as SipRequest;
		expect(ack.uri).toBe(invite.uri);
		expect(ack.headers).toContainEqual(["via", invite.headers[0][1]]);
		expect(ack.headers).toContainEqual(["to", "<sip:1555@192.0.2.10>;tag=busy-tag"]);
		expect(ack.headers).toContainEqual(["cseq", "1 ACK"]);
		expect(seen).toEqual(["486"]);
		vi.advanceTimersByTime(64 * T1);
		expect(tx.size).toBe(0); // timer D
		expect(sendTimes(sent, "INVITE")).toEqual([0]); // no retransmission after the final
	});

	it("reports the first 2xx, passes retransmissions (and other forks' 2xx) to the dialog, never ACKs them itself", () => {
		const { tx, sent, seen, strays, handlers, deliver } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		deliver(response(invite, 200, "a"));
		deliver(response(invite, 200, "a"));
		deliver(response(invite, 200, "b"));
		expect(seen).toEqual(["200"]);
		expect(strays.map((r) => r.headers.find((h) => h[0] === "to")?.[1])).toEqual([
			"<sip:1555@192.0.2.10>;tag=a",
			"<sip:1555@192.0.2.10>;tag=b",
		]);
		expect(sendTimes(sent, "ACK")).toEqual([]); // the 2xx's ACK is the dialog's
		vi.advanceTimersByTime(64 * T1);
		expect(tx.size).toBe(0);
		deliver(response(invite, 200, "a"));
		expect(strays).toHaveLength(3); // after the linger, still to the dialog
	});
});

describe("over TCP and on errors", () => {
	it("never retransmits over TCP; timer B still fires; a final ends the transaction at once", () => {
		const { tx, sent, seen, handlers, deliver } = layer();
		const tcp: Endpoint = { ...GW, transport: "tcp" };
		tx.request(request("INVITE"), tcp, handlers);
		vi.advanceTimersByTime(64 * T1);
		expect(sent).toHaveLength(1);
		expect(seen).toEqual(["failed timeout timer B expired"]);
		const bye = request("BYE");
		tx.request(bye, tcp, handlers);
		deliver(response(bye, 200), tcp);
		vi.advanceTimersByTime(0);
		expect(tx.size).toBe(0);
	});

	it("a transport error fails only the transactions to that endpoint", () => {
		const { tx, seen, handlers, transport } = layer();
		tx.request(request("INVITE"), GW, handlers);
		tx.request(
			request("OPTIONS"),
			{ ...GW, port: 5070 },
			{ response() {}, failed: () => seen.push("other") },
		);
		transport.events.error(GW, new Error("ECONNREFUSED"));
		expect(seen).toEqual(["failed transport ECONNREFUSED"]);
		expect(tx.size).toBe(1);
	});

	it("ignores responses it has no transaction for, and a provisional after the final", () => {
		const { tx, seen, strays, handlers, deliver } = layer();
		const invite = request("INVITE");
		tx.request(invite, GW, handlers);
		const foreign = request("INVITE");
		deliver(response(foreign, 486));
		deliver(response(foreign, 180));
		deliver(response(invite, 486));
		deliver(response(invite, 180));
		expect(seen).toEqual(["486"]);
		expect(strays).toEqual([]); // only a 2xx without a transaction goes to the dialogs
	});
});

/**
 * The far end's re-INVITE in one of our dialogs, over real UDP on loopback:
 * the RFC 3264 answer, the 2xx retransmitted until the ACK (RFC 3261
 * §13.3.1.4), CSeq order (§12.2.2), delayed offer, 491 and 488.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildOffer } from "../../src/sdp/sdp.ts";
import type { SipAgent } from "../../src/sip/agent.ts";
import type { DialogView } from "../../src/sip/dialog-view.ts";
import { header, type SipResponse } from "../../src/sip/message.ts";
import { answerInDialog } from "../../src/sip/uac-inbound.ts";
import { isStatus, openPeer, type Peer, type Received, request, startAgent } from "./sip-peer.ts";

const T1 = 20;
const T2 = 80;
const CALL = "call-1@peer";
const TO = "<sip:hatch@127.0.0.1>;tag=ours";
const ours = buildOffer({
	address: "127.0.0.1",
	port: 10002,
	codecs: ["PCMU", "PCMA"],
	sessionId: "42",
	version: 1,
});
const offer = (media: string) =>
	`v=0\r\no=gw 9 9 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${media}\r\n`;
const HOLD = offer("m=audio 7000 RTP/AVP 18 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly");

let agent: SipAgent;
let peer: Peer;
let seen: { reoffers: string[]; ends: string[]; byes: number; confirmed: boolean };
beforeEach(async () => {
	agent = await startAgent(T1, T2);
	peer = await openPeer(agent.port);
	seen = { reoffers: [], ends: [], byes: 0, confirmed: true };
	// A dialog as the UAC keeps it: confirmed, our tag "ours", theirs "far".
	const view = (): DialogView => ({
		localTag: "ours",
		remoteTag: "far",
		contact: `<sip:hatch@127.0.0.1:${agent.port}>`,
		confirmed: seen.confirmed,
		remoteBye: () => seen.byes++,
		reoffer: (sdp) => {
			if (sdp) seen.reoffers.push(sdp);
			return ours;
		},
		end: (reason) => seen.ends.push(reason),
	});
	agent.register(CALL, { request: (req, src) => answerInDialog(agent, req, src, view()), stray() {} });
});
afterEach(async () => {
	agent.close();
	await peer.close();
});

const reinvite = (cseq: number, body = "", extra?: Record<string, string | null>) =>
	request("INVITE", {
		callId: CALL,
		to: TO,
		cseq: `${cseq} INVITE`,
		branch: `z9hG4bKre${cseq}`,
		body,
		extra,
	});
const ack = (cseq: number, body = "") =>
	request("ACK", { callId: CALL, to: TO, cseq: `${cseq} ACK`, branch: `z9hG4bKack${cseq}`, body });
const oks = () => peer.got.filter(isStatus(200, "INVITE"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("re-INVITE with an offer", () => {
	it("answers it per RFC 3264 and retransmits the identical 2xx until the ACK", async () => {
		peer.send(reinvite(2, HOLD));
		const first = (await peer.next(isStatus(200, "INVITE"))).msg as SipResponse;
		expect(first.body).toMatch(/^o=hatch 42 2 IN IP4 127\.0\.0\.1\r$/m); // version up
		expect(first.body).toContain("m=audio 10002 RTP/AVP 0 8 101\r\n"); // our order, no G.729
		expect(first.body).toContain("a=recvonly\r\n"); // answering sendonly
		expect(header(first, "contact")).toBe(`<sip:hatch@127.0.0.1:${agent.port}>`);
		expect(header(first, "content-type")).toBe("application/sdp");
		expect(seen.reoffers).toEqual([HOLD]);
		await peer.next(isStatus(200, "INVITE"), 1000, 3); // T1 and 3·T1 later
		peer.send(ack(2));
		await sleep(20);
		const count = oks().length;
		await sleep(8 * T2);
		expect(oks().length).toBe(count); // the ACK stopped them
		expect(new Set(oks().map((r) => r.raw)).size).toBe(1); // byte-identical retransmissions
		expect(seen.ends).toEqual([]);
	});

	it("without an ACK, retransmits at T1 doubling to T2, gives up after 64·T1 and ends the dialog", async () => {
		const start = performance.now();
		peer.send(reinvite(2, HOLD));
		while (seen.ends.length === 0 && performance.now() - start < 64 * T1 + 2000) await sleep(10);
		const endedAt = performance.now() - start;
		expect(seen.ends).toEqual(["no ACK for 2xx to re-INVITE"]);
		expect(endedAt).toBeGreaterThanOrEqual(64 * T1 - 5);
		const sent = oks().length;
		await sleep(6 * T2);
		expect(oks().length).toBe(sent); // nothing after giving up
		const at = oks().map((r: Received) => r.at);
		const gaps = at.slice(1).map((t, i) => t - at[i]);
		// 0, T1, 3·T1, 7·T1, then every T2 up to 64·T1: 18 sends when timers are exact.
		// Late timers (a loaded machine) only mean fewer; unbounded doubling would give 7.
		expect(sent).toBeGreaterThanOrEqual(9);
		expect(sent).toBeLessThanOrEqual(18);
		// No send comes before its slot (0, T1, 3·T1, 7·T1, then every T2), counted from before the
		// re-INVITE left: a late timer only delays. (Gaps between two receipts can look short when the
		// earlier one was read late, so the schedule is checked cumulatively.)
		const slots = [0, T1, 3 * T1, 7 * T1];
		while (slots.length < at.length) slots.push((slots.at(-1) ?? 0) + T2);
		for (const [i, t] of at.entries()) expect(t - start).toBeGreaterThanOrEqual((slots[i] ?? 0) - 3);
		expect(gaps[0]).toBeLessThan(T2);
		const later = gaps.slice(3).sort((a, b) => a - b);
		expect(later[Math.floor(later.length / 2)]).toBeGreaterThanOrEqual(T2 - 3); // doubled up to T2...
		expect(later[Math.floor(later.length / 2)]).toBeLessThan(2 * T2); // ...and no further
	});

	it("488s an offer with no audio we can take, changes nothing, and 415s a body that is not SDP", async () => {
		peer.send(reinvite(2, offer("m=audio 7000 RTP/AVP 18")));
		const r = (await peer.next((x) => x.msg.kind === "response")).msg as SipResponse;
		expect(r.status).toBe(488);
		expect(header(r, "warning")).toMatch(/^305 /);
		peer.send(reinvite(3, "hello", { "Content-Type": "text/plain" }));
		const t = (await peer.next((x) => x.msg.kind === "response", 3000, 2)).msg as SipResponse;
		expect([t.status, header(t, "accept")]).toEqual([415, "application/sdp"]);
		await sleep(4 * T1);
		expect(peer.responses()).toHaveLength(2); // no retransmission of a non-2xx from the dialog
		expect(seen.reoffers).toEqual([]);
		// The session is as it was: the next offer is answered from our last SDP (version 2, not 3).
		peer.send(reinvite(4, HOLD));
		const ok = (await peer.next(isStatus(200, "INVITE"))).msg as SipResponse;
		expect(ok.body).toContain("o=hatch 42 2 ");
	});
});

describe("re-INVITE without an offer (delayed offer)", () => {
	it("offers our SDP in the 2xx and takes the answer from the ACK", async () => {
		peer.send(reinvite(2));
		const ok = (await peer.next(isStatus(200, "INVITE"))).msg as SipResponse;
		expect(ok.body).toBe(ours); // everything we can do, unchanged, so version 1 still
		expect(seen.reoffers).toEqual([]);
		const answer = offer("m=audio 7002 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly");
		peer.send(ack(2, answer));
		await sleep(4 * T1);
		expect(seen.reoffers).toEqual([answer]);
		const count = oks().length;
		await sleep(4 * T2);
		expect(oks().length).toBe(count);
	});

	it("ignores an ACK that carries no usable answer, and an ACK for another CSeq", async () => {
		peer.send(reinvite(2));
		await peer.next(isStatus(200, "INVITE"));
		peer.send(ack(1, offer("m=audio 7002 RTP/AVP 0"))); // not for this 2xx: retransmissions go on
		await sleep(4 * T1);
		const before = oks().length;
		await sleep(2 * T2);
		expect(oks().length).toBeGreaterThan(before);
		peer.send(ack(2, offer("m=audio 7002 RTP/AVP 18"))); // no codec we offered
		await sleep(4 * T1);
		expect(seen.reoffers).toEqual([]);
		const after = oks().length;
		await sleep(4 * T2);
		expect(oks().length).toBe(after); // that ACK still ended the retransmissions
	});
});

describe("order and overlap", () => {
	it("500s a request with a CSeq lower than the last one and does not act on it", async () => {
		peer.send(request("OPTIONS", { callId: CALL, to: TO, cseq: "5 OPTIONS", branch: "z9hG4bKo5" }));
		await peer.next(isStatus(200, "OPTIONS"));
		peer.send(reinvite(3, HOLD));
		peer.send(request("BYE", { callId: CALL, to: TO, cseq: "4 BYE", branch: "z9hG4bKb4" }));
		await peer.next(isStatus(500), 3000, 2);
		expect(seen.reoffers).toEqual([]);
		expect(seen.byes).toBe(0);
		peer.send(request("BYE", { callId: CALL, to: TO, cseq: "6 BYE", branch: "z9hG4bKb6" }));
		await peer.next(isStatus(200, "BYE"));
		expect(seen.byes).toBe(1);
	});

	it("491s a re-INVITE while our 2xx to the last one awaits its ACK, and in an early dialog", async () => {
		peer.send(reinvite(2, HOLD));
		await peer.next(isStatus(200, "INVITE"));
		peer.send(reinvite(3, HOLD));
		await peer.next(isStatus(491));
		peer.send(ack(2));
		await sleep(2 * T1);
		peer.send(reinvite(4, HOLD));
		await peer.next(isStatus(200, "INVITE"), 3000, oks().length + 1);
		expect(seen.reoffers).toHaveLength(2);
		seen.confirmed = false; // as if our INVITE were still in progress
		peer.send(reinvite(5, HOLD));
		await peer.next(isStatus(491), 3000, 2);
		expect(seen.reoffers).toHaveLength(2);
	});

	it("stops retransmitting the 2xx when the far end hangs up instead of ACKing", async () => {
		peer.send(reinvite(2, HOLD));
		await peer.next(isStatus(200, "INVITE"));
		peer.send(request("BYE", { callId: CALL, to: TO, cseq: "3 BYE", branch: "z9hG4bKb3" }));
		await peer.next(isStatus(200, "BYE"));
		const count = oks().length;
		await sleep(64 * T1 + 200);
		expect(oks().length).toBe(count);
		expect(seen.ends).toEqual([]); // the dialog ended by their BYE, not by ours
		expect(seen.byes).toBe(1);
	});
});

/**
 * A re-INVITE in a real call (UacCall), end to end over UDP: the far end is a
 * raw socket that answers our INVITE, then re-INVITEs and never ACKs our 2xx.
 * RFC 3261 §13.3.1.4: we retransmit for 64·T1, then BYE the dialog and the
 * call's owner hears why.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildOffer } from "../../src/sdp/sdp.ts";
import type { SipAgent } from "../../src/sip/agent.ts";
import { tagOf } from "../../src/sip/fields.ts";
import { header, type SipRequest, type SipResponse } from "../../src/sip/message.ts";
import { UacCall } from "../../src/sip/uac.ts";
import { TEST_DENY } from "../helpers.ts";
import { isStatus, openPeer, type Peer, startAgent } from "./sip-peer.ts";

const T1 = 20;
let agent: SipAgent;
let peer: Peer;
beforeEach(async () => {
	agent = await startAgent(T1);
	peer = await openPeer(agent.port);
});
afterEach(async () => {
	agent.close();
	await peer.close();
});

const sdp = (port: number, dir = "sendrecv") =>
	`v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=${dir}\r\n`;
const isRequest = (method: string) => (r: { msg: { kind: string } }) =>
	r.msg.kind === "request" && (r.msg as SipRequest).method === method;

/** A call the far end (the peer) answered, ACKed; its events, and the header lines of its dialog. */
async function answeredCall() {
	const events: string[] = [];
	const offer = buildOffer({
		address: "127.0.0.1",
		port: 10002,
		codecs: ["PCMU"],
		sessionId: "5",
		version: 1,
	});
	const call = new UacCall(
		agent,
		{ host: "127.0.0.1", port: peer.port, transport: "udp", deny: TEST_DENY },
		"1555",
		{
			provisional() {},
			answered: () => events.push("answered"),
			failed: (status, reason) => events.push(`failed ${status} ${reason}`),
			remoteBye: () => events.push("remote bye"),
			reoffer: () => offer,
		},
	);
	call.start(offer);
	const invite = (await peer.next(isRequest("INVITE"))).msg as SipRequest;
	const copy = (name: string) => `${name}: ${header(invite, name)}`;
	const body = sdp(7000);
	const dialog = [copy("call-id"), `From: ${header(invite, "to")};tag=gw1`, `To: ${header(invite, "from")}`];
	peer.send(
		["SIP/2.0 200 OK", copy("via"), copy("from"), `To: ${header(invite, "to")};tag=gw1`, copy("call-id")]
			.concat([copy("cseq"), "Contact: <sip:gw@127.0.0.1:@PORT@>", "Content-Type: application/sdp"])
			.concat([`Content-Length: ${body.length}`, "", body])
			.join("\r\n"),
	);
	await peer.next(isRequest("ACK"));
	return { call, events, dialog, body };
}

describe("a re-INVITE the far end never ACKs", () => {
	it("is retransmitted for 64·T1, then we BYE the call and report it", async () => {
		const events: string[] = [];
		const reoffers: string[] = [];
		const call = new UacCall(
			agent,
			{ host: "127.0.0.1", port: peer.port, transport: "udp", deny: TEST_DENY },
			"1555",
			{
				provisional() {},
				answered: () => events.push("answered"),
				failed: (status, reason) => events.push(`failed ${status} ${reason}`),
				remoteBye: () => events.push("remote bye"),
				reoffer: (s) => {
					if (s) reoffers.push(s);
					return buildOffer({
						address: "127.0.0.1",
						port: 10002,
						codecs: ["PCMU"],
						sessionId: "5",
						version: 1,
					});
				},
			},
		);
		call.start(
			buildOffer({ address: "127.0.0.1", port: 10002, codecs: ["PCMU"], sessionId: "5", version: 1 }),
		);
		const invite = (await peer.next(isRequest("INVITE"))).msg as SipRequest;
		const copy = (name: string) => `${name}: ${header(invite, name)}`;
		const body = sdp(7000);
		peer.send(
			[
				"SIP/2.0 200 OK",
				copy("via"),
				copy("from"),
				`To: ${header(invite, "to")};tag=gw1`,
				copy("call-id"),
				copy("cseq"),
				"Contact: <sip:gw@127.0.0.1:@PORT@>",
				"Content-Type: application/sdp",
				`Content-Length: ${body.length}`,
				"",
				body,
			].join("\r\n"),
		);
		await peer.next(isRequest("ACK"));
		expect(events).toEqual(["answered"]);
		// Their re-INVITE puts us on hold; they never ACK our 2xx.
		const hold = sdp(7000, "sendonly");
		peer.send(
			[
				"INVITE sip:hatch@127.0.0.1 SIP/2.0",
				"Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKhold1;rport",
				`From: ${header(invite, "to")};tag=gw1`,
				`To: ${header(invite, "from")}`,
				copy("call-id"),
				"CSeq: 1 INVITE",
				"Contact: <sip:gw@127.0.0.1:@PORT@>",
				"Content-Type: application/sdp",
				`Content-Length: ${hold.length}`,
				"",
				hold,
			].join("\r\n"),
		);
		const ok = (await peer.next(isStatus(200, "INVITE"))).msg as SipResponse;
		expect(ok.body).toContain("a=recvonly");
		expect(tagOf(header(ok, "to"))).toBe(tagOf(header(invite, "from")));
		expect(reoffers).toEqual([hold]);
		const bye = (await peer.next(isRequest("BYE"), 64 * T1 + 3000)).msg as SipRequest;
		expect(peer.got.filter(isStatus(200, "INVITE")).length).toBeGreaterThan(5);
		expect(tagOf(header(bye, "to"))).toBe("gw1");
		expect(events).toEqual(["answered", "failed 0 no ACK for 2xx to re-INVITE"]);
		expect(call.state).toBe("terminated");
	});

	it("is not BYE'd when the ACK comes: the call goes on", async () => {
		const { call, events, dialog, body } = await answeredCall();
		const via = "Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKre2";
		peer.send(
			["INVITE sip:hatch@127.0.0.1 SIP/2.0", via, ...dialog, "CSeq: 1 INVITE"]
				.concat(["Content-Type: application/sdp", `Content-Length: ${body.length}`, "", body])
				.join("\r\n"),
		);
		await peer.next(isStatus(200, "INVITE"));
		const ackVia = "Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKack2";
		peer.send(
			["ACK sip:hatch@127.0.0.1 SIP/2.0", ackVia, ...dialog, "CSeq: 1 ACK", "Content-Length: 0", "", ""].join(
				"\r\n",
			),
		);
		await new Promise((r) => setTimeout(r, 64 * T1 + 300));
		expect(peer.got.some(isRequest("BYE"))).toBe(false);
		expect(events).toEqual(["answered"]);
		expect(call.state).toBe("confirmed");
	});

	it("takes the re-INVITE's Contact as the new remote target: our BYE goes there (§12.2.2)", async () => {
		const moved = await openPeer(agent.port);
		try {
			const { call, dialog, body } = await answeredCall();
			const target = `sip:gw2@127.0.0.1:${moved.port}`;
			peer.send(
				[
					"INVITE sip:hatch@127.0.0.1 SIP/2.0",
					"Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKmove1",
					...dialog,
				]
					.concat(["CSeq: 1 INVITE", `Contact: <${target}>`, "Content-Type: application/sdp"])
					.concat([`Content-Length: ${body.length}`, "", body])
					.join("\r\n"),
			);
			await peer.next(isStatus(200, "INVITE"));
			peer.send(
				[
					"ACK sip:hatch@127.0.0.1 SIP/2.0",
					"Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKmove2",
					...dialog,
				]
					.concat(["CSeq: 1 ACK", "Content-Length: 0", "", ""])
					.join("\r\n"),
			);
			await new Promise((r) => setTimeout(r, 50));
			call.bye();
			const bye = (await moved.next(isRequest("BYE"))).msg as SipRequest;
			expect(bye.uri).toBe(target);
			expect(peer.got.some(isRequest("BYE"))).toBe(false);
		} finally {
			await moved.close();
		}
	});
});

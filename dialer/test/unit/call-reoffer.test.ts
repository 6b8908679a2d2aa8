/**
 * What a far end's re-INVITE does to a call's media (Call.reoffer), over real
 * UDP with the media recorded: a new address is followed, a codec we no longer
 * share switches the sound to the law the offer kept (and one it still has is
 * kept), port 0 reaches the media as such (RFC 3264 §8.2: the session stops RTP
 * and RTCP) and a later offer resumes it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Call } from "../../src/call/call.ts";
import type { CallMedia } from "../../src/rtp/protocol.ts";
import type { SipAgent } from "../../src/sip/agent.ts";
import { header, type SipRequest } from "../../src/sip/message.ts";
import { TEST_DENY } from "../helpers.ts";
import { isStatus, openPeer, type Peer, startAgent } from "./sip-peer.ts";

let agent: SipAgent;
let peer: Peer;
beforeEach(async () => {
	agent = await startAgent(20);
	peer = await openPeer(agent.port);
});
afterEach(async () => {
	agent.close();
	await peer.close();
});

const sdp = (port: number, pts: number[], dir = "sendrecv") =>
	`v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pts.join(" ")}\r\na=${dir}\r\n`;
const isRequest = (method: string) => (r: { msg: { kind: string } }) =>
	r.msg.kind === "request" && (r.msg as SipRequest).method === method;

/** A CallMedia that records what the call asks of it. */
function recordingMedia() {
	const log: string[] = [];
	const media: CallMedia = {
		port: 10002,
		setRemote: (host, port) => log.push(`remote ${host}:${port}`),
		setMuted: (m) => log.push(`muted ${m}`),
		play: (audio, codec) => log.push(`play ${codec} ${audio[0]}`),
		close: () => log.push("close"),
		stats: () => ({ sent: 0, received: 0, skipped: 0 }),
	} as CallMedia;
	return { media, log };
}

describe("a far end's re-offer and the call's media", () => {
	it("follows the address, switches the law, stops at port 0 and resumes", async () => {
		const { media, log } = recordingMedia();
		const call = new Call(
			{
				callId: "reoffer-1",
				to: "1555",
				trunk: { host: "127.0.0.1", port: peer.port, transport: "udp", deny: TEST_DENY },
				codecs: ["PCMU", "PCMA"],
				// First byte tells the laws apart in the log.
				audio: {
					pcmu: new Uint8Array(1600).fill(1),
					pcma: new Uint8Array(1600).fill(2),
					durationMs: 200,
					hash: "h",
				},
				ringTimeoutS: 30,
				maxDurationS: 60,
			},
			{ agent, media, emit() {}, ended() {} },
		);
		call.start();
		const invite = (await peer.next(isRequest("INVITE"))).msg as SipRequest;
		const copy = (name: string) => `${name}: ${header(invite, name)}`;
		const answer = sdp(7000, [0, 8]);
		peer.send(
			["SIP/2.0 200 OK", copy("via"), copy("from"), `To: ${header(invite, "to")};tag=gw1`, copy("call-id")]
				.concat([copy("cseq"), "Contact: <sip:gw@127.0.0.1:@PORT@>", "Content-Type: application/sdp"])
				.concat([`Content-Length: ${answer.length}`, "", answer])
				.join("\r\n"),
		);
		await peer.next(isRequest("ACK"));
		expect(log).toEqual(["remote 127.0.0.1:7000", "muted false", "play PCMU 1"]);

		let cseq = 1;
		const reinvite = async (body: string) => {
			log.length = 0;
			const n = cseq++;
			peer.send(
				[`INVITE sip:hatch@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKre${n}`]
					.concat([copy("call-id"), `From: ${header(invite, "to")};tag=gw1`, `To: ${header(invite, "from")}`])
					.concat([
						`CSeq: ${n} INVITE`,
						"Contact: <sip:gw@127.0.0.1:@PORT@>",
						"Content-Type: application/sdp",
					])
					.concat([`Content-Length: ${body.length}`, "", body])
					.join("\r\n"),
			);
			await peer.next((r) => isStatus(200, "INVITE")(r) && header(r.msg, "cseq") === `${n} INVITE`);
			peer.send(
				[`ACK sip:hatch@127.0.0.1 SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKack${n}`]
					.concat([copy("call-id"), `From: ${header(invite, "to")};tag=gw1`, `To: ${header(invite, "from")}`])
					.concat([`CSeq: ${n} ACK`, "Content-Length: 0", "", ""])
					.join("\r\n"),
			);
			return [...log];
		};
		// The media moves and keeps only A-law: follow both.
		expect(await reinvite(sdp(7002, [8]))).toEqual(["remote 127.0.0.1:7002", "muted false", "play PCMA 2"]);
		// Port 0: the stream is disabled; we stop sending.
		expect(await reinvite(sdp(0, [8]))).toEqual(["remote 127.0.0.1:0"]);
		// Back, same law: resume, no new sound.
		expect(await reinvite(sdp(7002, [8]))).toEqual(["remote 127.0.0.1:7002", "muted false"]);
		// An offer that prefers µ-law but still has our A-law: we keep A-law.
		expect(await reinvite(sdp(7002, [0, 8]))).toEqual(["remote 127.0.0.1:7002", "muted false"]);
		expect(call.state).toBe("answered");
		call.hangup();
	});
});

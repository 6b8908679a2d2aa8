/**
 * What a far end's re-INVITE does to a call's media (Call.reoffer), over real
 * UDP with the media recorded: a new address is followed, a codec we no longer
 * share switches the sound to the law the offer kept (and one it still has is
 * kept), port 0 reaches the media as such (RFC 3264 §8.2: the session stops RTP
 * and RTCP) and a later offer resumes it.
 */
import { describe, expect, it } from "vitest";
import { header } from "../../src/sip/message.ts";
import { agentAndPeer, answeredCall, sdp } from "./call-harness.ts";
import { isStatus } from "./sip-peer.ts";

const t = agentAndPeer();

describe("a far end's re-offer and the call's media", () => {
	it("follows the address, switches the law, stops at port 0 and resumes", async () => {
		const { call, log, invite, copy } = await answeredCall(t.agent, t.peer, { callId: "reoffer-1" });
		expect(log).toEqual(["remote 127.0.0.1:7000", "muted false", "play PCMU 1"]);

		let cseq = 1;
		const reinvite = async (body: string) => {
			log.length = 0;
			const n = cseq++;
			t.peer.send(
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
			await t.peer.next((r) => isStatus(200, "INVITE")(r) && header(r.msg, "cseq") === `${n} INVITE`);
			t.peer.send(
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

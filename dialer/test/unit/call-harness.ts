/**
 * A Call answered over real UDP by a far end in the test (sip-peer.ts), with
 * its media recorded instead of sent: what call-level tests start from.
 */

import { afterEach, beforeEach } from "vitest";
import type { PreparedAudio } from "../../src/audio/store.ts";
import { Call, type CallParams } from "../../src/call/call.ts";
import type { CallEvent } from "../../src/call/types.ts";
import type { CallMedia } from "../../src/rtp/protocol.ts";
import type { SipAgent } from "../../src/sip/agent.ts";
import { header, type SipRequest } from "../../src/sip/message.ts";
import { TEST_DENY } from "../helpers.ts";
import { openPeer, type Peer, startAgent } from "./sip-peer.ts";

/** A started agent and a far end for each test of the file (closed after it). */
export function agentAndPeer(): { agent: SipAgent; peer: Peer } {
	const ctx = {} as { agent: SipAgent; peer: Peer };
	beforeEach(async () => {
		ctx.agent = await startAgent(20);
		ctx.peer = await openPeer(ctx.agent.port);
	});
	afterEach(async () => {
		ctx.agent.close();
		await ctx.peer.close();
	});
	return ctx;
}

export const sdp = (port: number, pts: number[], dir = "sendrecv") =>
	`v=0\r\no=gw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pts.join(" ")}\r\na=${dir}\r\n`;

export const isRequest = (method: string) => (r: { msg: { kind: string } }) =>
	r.msg.kind === "request" && (r.msg as SipRequest).method === method;

/** A sound whose first byte tells it (and its law) apart in the media log. */
export const soundOf = (pcmu: number, pcma = pcmu + 1): PreparedAudio => ({
	pcmu: new Uint8Array(1600).fill(pcmu),
	pcma: new Uint8Array(1600).fill(pcma),
	durationMs: 200,
	hash: `h${pcmu}`,
});

/** A CallMedia that records what the call asks of it. */
export function recordingMedia() {
	const log: string[] = [];
	const media = {
		port: 10002,
		setRemote: (host, port) => log.push(`remote ${host}:${port}`),
		setMuted: (m) => log.push(`muted ${m}`),
		play: (audio, codec) => log.push(`play ${codec} ${audio[0]}`),
		listen: () => log.push("listen"),
		close: () => log.push("close"),
		stats: () => ({ sent: 0, received: 0, skipped: 0 }),
	} satisfies CallMedia as CallMedia;
	return { media, log };
}

/**
 * Start a call to `peer`, answer it with `answer` SDP, wait for the ACK.
 * Returns the call, the media log, its events and the INVITE (for in-dialog requests).
 */
export async function answeredCall(
	agent: SipAgent,
	peer: Peer,
	over: Partial<CallParams> & { callId: string },
	answer = sdp(7000, [0, 8]),
) {
	const { media, log } = recordingMedia();
	const events: CallEvent[] = [];
	const call = new Call(
		{
			to: "1555",
			trunk: { host: "127.0.0.1", port: peer.port, transport: "udp", deny: TEST_DENY },
			codecs: ["PCMU", "PCMA"],
			audio: soundOf(1),
			ringTimeoutS: 30,
			maxDurationS: 60,
			...over,
		},
		{ agent, media, emit: (e) => events.push(e), ended() {} },
	);
	call.start();
	const invite = (await peer.next(isRequest("INVITE"))).msg as SipRequest;
	const copy = (name: string) => `${name}: ${header(invite, name)}`;
	peer.send(
		["SIP/2.0 200 OK", copy("via"), copy("from"), `To: ${header(invite, "to")};tag=gw1`, copy("call-id")]
			.concat([copy("cseq"), "Contact: <sip:gw@127.0.0.1:@PORT@>", "Content-Type: application/sdp"])
			.concat([`Content-Length: ${answer.length}`, "", answer])
			.join("\r\n"),
	);
	await peer.next(isRequest("ACK"));
	return { call, log, events, invite, copy };
}

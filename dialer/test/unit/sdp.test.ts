import { describe, expect, it } from "vitest";
import { buildOffer, chooseCodec, parseSdp } from "../../src/sdp/sdp.ts";

describe("SDP", () => {
	it("builds an offer with PCMU, PCMA and telephone-event", () => {
		const sdp = buildOffer({
			address: "192.0.2.10",
			port: 10002,
			codecs: ["PCMU", "PCMA"],
			sessionId: "42",
			version: 1,
		});
		expect(sdp).toContain("o=hatch 42 1 IN IP4 192.0.2.10\r\n");
		expect(sdp).toContain("c=IN IP4 192.0.2.10\r\n");
		expect(sdp).toContain("m=audio 10002 RTP/AVP 0 8 101\r\n");
		expect(sdp).toContain("a=rtpmap:101 telephone-event/8000\r\n");
		expect(sdp).toContain("a=fmtp:101 0-16\r\n");
		expect(sdp.endsWith("a=sendrecv\r\n")).toBe(true);
		const back = parseSdp(sdp);
		expect(back).toMatchObject({
			address: "192.0.2.10",
			port: 10002,
			payloads: [0, 8, 101],
			dtmfPayload: 101,
			direction: "sendrecv",
			ptime: 20,
		});
	});

	it("parses an answer with media-level connection and a different DTMF payload", () => {
		const answer =
			"v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\nm=audio 4002 RTP/AVP 8 96\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:96 telephone-event/8000\r\na=sendonly\r\n";
		const m = parseSdp(answer);
		expect(m).toMatchObject({
			address: "10.0.0.2",
			port: 4002,
			payloads: [8, 96],
			dtmfPayload: 96,
			direction: "sendonly",
		});
		if (!m) throw new Error("no media");
		expect(chooseCodec(m, ["PCMU", "PCMA"])).toBe("PCMA");
		expect(chooseCodec(m, ["PCMU"])).toBeUndefined();
	});

	it("inherits session-level connection and direction, tolerates LF-only lines", () => {
		const m = parseSdp("v=0\nc=IN IP4 198.51.100.7\na=inactive\nm=audio 5000 RTP/AVP 0\n");
		expect(m).toMatchObject({ address: "198.51.100.7", port: 5000, direction: "inactive" });
	});

	it("scopes c= and a= to their m= section: a video stream before the audio one lends it nothing", () => {
		const offer = [
			"v=0",
			"o=- 7 7 IN IP4 203.0.113.1",
			"s=-",
			"c=IN IP4 203.0.113.1",
			"t=0 0",
			"m=video 6000 RTP/AVP 96",
			"c=IN IP4 198.51.100.99",
			"a=rtpmap:96 H264/90000",
			"a=sendonly",
			"m=audio 6002 RTP/AVP 0 101",
			"a=rtpmap:101 telephone-event/8000",
			"",
		].join("\r\n");
		expect(parseSdp(offer)).toMatchObject({
			address: "203.0.113.1", // the session's, not the video's
			port: 6002,
			payloads: [0, 101],
			dtmfPayload: 101,
			direction: "sendrecv", // the video's sendonly is the video's
		});
		// And with no session-level c=, the video's address is no fallback for the audio.
		expect(parseSdp(offer.replace("c=IN IP4 203.0.113.1\r\n", ""))).toBeUndefined();
	});

	it("does not let a telephone-event rtpmap of another section or an unlisted payload count", () => {
		const sdp =
			"v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:101 telephone-event/8000\r\nm=audio 4002 RTP/AVP 8 96\r\na=rtpmap:96 telephone-event/8000\r\n";
		expect(parseSdp(sdp)).toMatchObject({ port: 4000, payloads: [0], dtmfPayload: undefined });
	});

	it("returns undefined for garbage, no audio, or no address", () => {
		expect(parseSdp("")).toBeUndefined();
		expect(parseSdp("\u0000\u00ff garbage")).toBeUndefined();
		expect(parseSdp("v=0\r\nm=video 1 RTP/AVP 96\r\nc=IN IP4 1.2.3.4\r\n")).toBeUndefined();
		expect(parseSdp("v=0\r\nm=audio 1000 RTP/AVP 0\r\n")).toBeUndefined();
		expect(parseSdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n")).toBeUndefined();
		expect(parseSdp("x".repeat(70_000))).toBeUndefined();
		expect(parseSdp("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP\r\n")).toBeUndefined(); // no formats
		expect(
			parseSdp(
				`v=0\r\nc=IN IP4 1.2.3.4\r\n${"m=video 0 RTP/AVP 96\r\n".repeat(100)}m=audio 4000 RTP/AVP 0\r\n`,
			),
		).toBeUndefined();
	});
});

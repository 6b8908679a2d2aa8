/** Our RFC 3264 answer to a far end's re-offer (answerTo) and o= versioning (nextLocalSdp). */
import { describe, expect, it } from "vitest";
import { answerTo, buildOffer, nextLocalSdp, parseSdp } from "../../src/sdp/sdp.ts";
import { parseSession } from "../../src/sdp/session.ts";

const ours = buildOffer({
	address: "192.0.2.10",
	port: 10002,
	codecs: ["PCMU", "PCMA"],
	sessionId: "42",
	version: 1,
});

/** An offer from the far end; `media` are the m= sections, each with its lines. */
const offer = (media: string[], session = "c=IN IP4 203.0.113.5") =>
	`${["v=0", "o=gw 9 9 IN IP4 203.0.113.5", "s=-", session, "t=0 0", ...media].join("\r\n")}\r\n`;
const audio = (formats: string, ...attrs: string[]) =>
	[`m=audio 7000 RTP/AVP ${formats}`, ...attrs].join("\r\n");

const lines = (sdp: string | undefined) => (sdp ?? "").split("\r\n").filter(Boolean);
const mLines = (sdp: string | undefined) => lines(sdp).filter((l) => l.startsWith("m="));

describe("answerTo", () => {
	it("keeps only offered codecs, in our order, with the offer's telephone-event number", () => {
		const a = answerTo(
			offer([audio("8 18 0 96", "a=rtpmap:96 telephone-event/8000", "a=fmtp:96 0-15")]),
			ours,
		);
		expect(mLines(a)).toEqual(["m=audio 10002 RTP/AVP 0 8 96"]);
		expect(lines(a)).toEqual(
			expect.arrayContaining([
				"a=rtpmap:0 PCMU/8000",
				"a=rtpmap:8 PCMA/8000",
				"a=rtpmap:96 telephone-event/8000",
				"a=fmtp:96 0-16",
				"a=sendrecv",
				"c=IN IP4 192.0.2.10",
			]),
		);
		expect(a).not.toContain("101"); // our own DTMF number is not the offer's
		expect(a).not.toMatch(/ 18\b/); // G.729 was offered, we cannot do it
		const none = answerTo(offer([audio("0")]), ours);
		expect(none).not.toContain("telephone-event"); // not offered, not answered
	});

	it("matches codecs by rtpmap name, case-insensitively, not only by static number", () => {
		const a = answerTo(offer([audio("97 98", "a=rtpmap:97 pcma/8000", "a=rtpmap:98 opus/48000/2")]), ours);
		expect(mLines(a)).toEqual(["m=audio 10002 RTP/AVP 97"]);
		expect(lines(a)).toContain("a=rtpmap:97 PCMA/8000");
	});

	it("answers each direction as RFC 3264 §6.1 says, media-level over session-level", () => {
		const dir = (sdp: string | undefined) => lines(sdp).find((l) => /^a=(send|recv|inactive)/.test(l));
		expect(dir(answerTo(offer([audio("0", "a=sendonly")]), ours))).toBe("a=recvonly");
		expect(dir(answerTo(offer([audio("0", "a=recvonly")]), ours))).toBe("a=sendonly");
		expect(dir(answerTo(offer([audio("0", "a=inactive")]), ours))).toBe("a=inactive");
		expect(dir(answerTo(offer([audio("0", "a=sendrecv")]), ours))).toBe("a=sendrecv");
		expect(dir(answerTo(offer([audio("0")], "c=IN IP4 203.0.113.5\r\na=sendonly"), ours))).toBe("a=recvonly");
		// RFC 2543 hold: nothing may be sent to 0.0.0.0.
		expect(dir(answerTo(offer([audio("0")], "c=IN IP4 0.0.0.0"), ours))).toBe("a=recvonly");
	});

	it("has one m= line per offered one: video and a second audio stream declined with port 0", () => {
		const a = answerTo(
			offer(["m=video 7002 RTP/AVP 96 97", "a=rtpmap:96 H264/90000", audio("0"), "m=audio 7004 RTP/AVP 8"]),
			ours,
		);
		expect(mLines(a)).toEqual(["m=video 0 RTP/AVP 96 97", "m=audio 10002 RTP/AVP 0", "m=audio 0 RTP/AVP 8"]);
		// What we send to is the offer's audio, not the video's.
		expect(parseSession(a ?? "")?.media).toHaveLength(3);
		const disabled = answerTo(offer(["m=audio 0 RTP/AVP 0"]), ours);
		expect(mLines(disabled)).toEqual(["m=audio 0 RTP/AVP 0"]);
	});

	it("increments the o= version when the answer differs from our last SDP, keeps it when it does not", () => {
		const first = answerTo(offer([audio("0 101", "a=rtpmap:101 telephone-event/8000")]), ours);
		expect(lines(first)[1]).toBe("o=hatch 42 2 IN IP4 192.0.2.10");
		const refresh = answerTo(offer([audio("0 101", "a=rtpmap:101 telephone-event/8000")]), ours, first);
		expect(refresh).toBe(first); // a session refresh: identical SDP, same version
		const hold = answerTo(
			offer([audio("0 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly")]),
			ours,
			first,
		);
		expect(lines(hold)[1]).toBe("o=hatch 42 3 IN IP4 192.0.2.10");
		expect(nextLocalSdp(ours, ours)).toBe(ours); // our offer again, unchanged: version 1
		expect(nextLocalSdp(ours, hold ?? "")).toContain("o=hatch 42 4 IN IP4 192.0.2.10");
		const big = ours.replace("o=hatch 42 1", "o=hatch 42 18446744073709551615");
		expect(nextLocalSdp(first ?? "", big)).toContain("o=hatch 42 18446744073709551616 ");
	});

	it("refuses (undefined: 488) an offer with no audio, no common codec, SRTP or no address", () => {
		expect(answerTo(offer(["m=video 7002 RTP/AVP 96"]), ours)).toBeUndefined();
		expect(answerTo(offer([audio("18 9")]), ours)).toBeUndefined();
		expect(answerTo(offer(["m=audio 7000 RTP/SAVP 0"]), ours)).toBeUndefined();
		expect(answerTo(offer([audio("0")], ""), ours)).toBeUndefined();
		expect(answerTo(offer([audio("101", "a=rtpmap:101 telephone-event/8000")]), ours)).toBeUndefined();
	});

	it("survives hostile offers: garbage, oversize, injected line breaks, a flood of m= lines", () => {
		expect(answerTo("\u0000\u00ff garbage", ours)).toBeUndefined();
		expect(answerTo("x".repeat(70_000), ours)).toBeUndefined();
		expect(answerTo(offer(["m=audio 99999 RTP/AVP 0"]), ours)).toBeUndefined();
		expect(
			answerTo(offer(Array(80).fill("m=video 7002 RTP/AVP 96").concat(audio("0"))), ours),
		).toBeUndefined();
		const t = answerTo(offer([audio("0")]).replace("t=0 0", "t=0 0\ra=evil"), ours);
		expect(lines(t)).toContain("t=0 0"); // an odd t= is not echoed
		expect(t).not.toContain("evil");
		// Our answer parses back as what we mean to do.
		expect(parseSdp(answerTo(offer([audio("8 0")]), ours) ?? "")).toMatchObject({
			address: "192.0.2.10",
			port: 10002,
			payloads: [0, 8],
		});
	});
});

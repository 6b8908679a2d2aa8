/**
 * The UAC's dialogs: 2xx from several forks (§13.2.2.4: every 2xx ACKed, other
 * forks BYE'd, retransmissions re-ACKed) and where in-dialog requests go
 * (§12.2.1.1: first Route entry, else the Contact; loose and strict routing).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { header } from "../../src/sip/message.ts";
import { harness, T1, TRUNK, toOf } from "./uac-harness.ts";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("2xx from several forks (§13.2.2.4)", () => {
	function answered() {
		const h = harness();
		h.reply(180);
		h.reply(200, { tag: "a", extra: [["contact", "<sip:a@127.0.0.1:5999>"]] });
		expect(h.seen).toEqual(["provisional 180", "answered"]);
		return h;
	}

	it("ACKs and then BYEs another fork's 2xx while confirmed, and keeps our dialog", () => {
		const h = answered();
		h.reply(200, { tag: "b", extra: [["contact", "<sip:b@127.0.0.1:5999>"]] });
		expect(h.of("ACK").map((s) => toOf(s.msg))).toEqual([
			"<sip:1555@127.0.0.1:5999>;tag=a",
			"<sip:1555@127.0.0.1:5999>;tag=b",
		]);
		expect(h.of("ACK")[1].msg.uri).toBe("sip:b@127.0.0.1:5999");
		const forkBye = h.of("BYE")[0].msg;
		expect(forkBye.uri).toBe("sip:b@127.0.0.1:5999");
		expect(toOf(forkBye)).toBe("<sip:1555@127.0.0.1:5999>;tag=b");
		expect(h.call.state).toBe("confirmed");
		h.call.bye();
		const ours = h.of("BYE")[1].msg;
		expect(toOf(ours)).toBe("<sip:1555@127.0.0.1:5999>;tag=a");
		expect(ours.uri).toBe("sip:a@127.0.0.1:5999");
	});

	it("re-sends the same ACK for a retransmission of ours, re-ACKs a BYE'd fork's without a second BYE", () => {
		const h = answered();
		h.reply(200, { tag: "a" });
		expect(h.of("ACK")).toHaveLength(2);
		expect(h.of("ACK")[1].bytes.equals(h.of("ACK")[0].bytes)).toBe(true);
		h.reply(200, { tag: "b" });
		h.reply(200, { tag: "b" });
		vi.advanceTimersByTime(64 * T1 + 1); // the INVITE transaction is gone: the agent routes them now
		h.reply(200, { tag: "b" });
		h.reply(200, { tag: "a" });
		expect(h.of("ACK").map((s) => toOf(s.msg)?.slice(-1))).toEqual(["a", "a", "b", "b", "b", "a"]);
		// One BYE transaction (its UDP retransmissions share the branch), to fork b only.
		const byes = new Set(h.of("BYE").map((s) => header(s.msg, "via")));
		expect(byes.size).toBe(1);
		expect(h.of("BYE").every((s) => toOf(s.msg)?.endsWith(";tag=b"))).toBe(true);
	});

	it("a BYE from the fork we hung up on is answered 200 and does not end our call", () => {
		const h = answered();
		h.reply(200, { tag: "b" });
		h.request("BYE", "b");
		expect(h.answers).toEqual([200]);
		expect(h.call.state).toBe("confirmed");
		expect(h.seen).not.toContain("remote bye");
	});

	it("a request from a dialog we never saw (another From tag) gets 481 and ends nothing (§12.2.2)", () => {
		const h = answered();
		h.request("BYE", "stranger");
		expect(h.answers).toEqual([481]);
		expect(h.call.state).toBe("confirmed");
		h.request("BYE", "a"); // our far end's own
		expect(h.answers).toEqual([481, 200]);
		expect(h.seen).toContain("remote bye");
	});

	it("our 2xx to the far end's re-INVITE never ACKed: the call BYEs and reports why (§13.3.1.4)", () => {
		const h = answered();
		const sdp =
			"v=0\r\no=gw 9 9 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n";
		h.request("INVITE", "a", sdp, [["content-type", "application/sdp"]]);
		expect(h.answers[0]).toBe(200);
		vi.advanceTimersByTime(64 * T1);
		expect(h.seen).toEqual(["provisional 180", "answered", "failed 0 no ACK for 2xx to re-INVITE"]);
		expect(toOf(h.of("BYE")[0].msg)).toMatch(/;tag=a$/);
		expect(h.call.state).toBe("terminated");
	});

	it("hostile: a far end minting To tags gets a bounded number of BYEs", () => {
		const h = answered();
		for (let i = 0; i < 200; i++) h.reply(200, { tag: `fork${i}` });
		const byes = new Set(h.of("BYE").map((s) => header(s.msg, "via")));
		expect(byes.size).toBeLessThanOrEqual(16);
		expect(byes.size).toBeGreaterThan(0);
		expect(h.call.state).toBe("confirmed");
	});

	it("a 2xx arriving after the call gave up is ACKed and BYE'd", () => {
		const h = harness();
		h.reply(180);
		h.call.cancel();
		vi.advanceTimersByTime(64 * T1); // no 487: the call ends
		h.reply(200, { tag: "late" });
		expect(toOf(h.of("ACK")[0].msg)).toMatch(/;tag=late$/);
		expect(toOf(h.of("BYE")[0].msg)).toMatch(/;tag=late$/);
	});
});

describe("where in-dialog requests go (§12.2.1.1)", () => {
	it("to the Contact when there is no Record-Route", () => {
		const h = harness();
		h.reply(200, { extra: [["contact", "<sip:far@198.51.100.7:5070>"]] });
		h.call.bye();
		for (const m of ["ACK", "BYE"]) {
			expect(h.of(m)[0].dest).toEqual({ host: "198.51.100.7", port: 5070, transport: "udp" });
			expect(h.of(m)[0].msg.uri).toBe("sip:far@198.51.100.7:5070");
			expect(header(h.of(m)[0].msg, "route")).toBeUndefined();
		}
	});

	it("to the first hop of the route set (loose routing), with Route headers in route-set order", () => {
		const h = harness();
		h.reply(200, {
			extra: [
				["record-route", "<sip:198.51.100.9:5090;lr>, <sip:198.51.100.8;lr>"],
				["contact", "<sip:far@198.51.100.7:5070>"],
			],
		});
		h.call.bye();
		const bye = h.of("BYE")[0];
		expect(bye.dest).toEqual({ host: "198.51.100.8", port: 5060, transport: "udp" });
		expect(bye.msg.uri).toBe("sip:far@198.51.100.7:5070");
		expect(bye.msg.headers.filter((x) => x[0] === "route").map((x) => x[1])).toEqual([
			"<sip:198.51.100.8;lr>",
			"<sip:198.51.100.9:5090;lr>",
		]);
		expect(h.of("ACK")[0].dest).toEqual(bye.dest);
	});

	it("a strict router (no ;lr) becomes the Request-URI and the Contact the last Route", () => {
		const h = harness();
		h.reply(200, {
			extra: [
				["record-route", "<sip:198.51.100.20:5080>"],
				["contact", "<sip:far@198.51.100.7:5070>"],
			],
		});
		const ack = h.of("ACK")[0];
		expect(ack.dest).toEqual({ host: "198.51.100.20", port: 5080, transport: "udp" });
		expect(ack.msg.uri).toBe("sip:198.51.100.20:5080");
		expect(header(ack.msg, "route")).toBe("<sip:far@198.51.100.7:5070>");
	});

	it("hostile: a Contact at a link-local address (cloud metadata) is not followed; the trunk is used", () => {
		const h = harness();
		h.reply(200, { extra: [["contact", "<sip:x@169.254.169.254:80>"]] });
		expect(h.of("ACK")[0].dest).toEqual(TRUNK);
	});
});

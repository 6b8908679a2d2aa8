/**
 * The UAC's INVITE client side: CANCEL after any provisional, 100 included
 * (§9.1), the INVITE transaction ended when the call gives up on it, an
 * unreachable gateway told apart from a no-answer, the BYE's To without an
 * empty tag, and digest nonce counts per nonce.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Header, header } from "../../src/sip/message.ts";
import { authParams, harness, T1, TRUNK, toOf } from "./uac-harness.ts";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("CANCEL (§9.1)", () => {
	it("goes out once a 100 Trying alone has arrived, with the INVITE's branch, URI and CSeq number", () => {
		const h = harness();
		h.reply(100);
		h.call.cancel();
		expect(h.of("CANCEL")).toHaveLength(1);
		const cancel = h.of("CANCEL")[0].msg;
		expect(cancel.uri).toBe(h.invite().uri);
		expect(header(cancel, "via")).toBe(header(h.invite(), "via"));
		expect(header(cancel, "cseq")).toBe("1 CANCEL");
		expect(toOf(cancel)).toBe(toOf(h.invite())); // no tag
		expect(h.of("CANCEL")[0].dest).toEqual(TRUNK);
	});

	it("waits when nothing has arrived yet, then goes out with the first provisional (100 included), once", () => {
		const h = harness();
		h.call.cancel();
		expect(h.of("CANCEL")).toHaveLength(0);
		h.reply(100);
		expect(h.of("CANCEL")).toHaveLength(1);
		h.reply(180);
		expect(h.of("CANCEL")).toHaveLength(1);
	});

	it("counts provisionals per INVITE: after 100 + 401, the re-INVITE's CANCEL waits for its own provisional", () => {
		const h = harness();
		h.reply(100);
		h.reply(401, { extra: [["www-authenticate", 'Digest realm="gw", nonce="n1", qop="auth"']] });
		h.call.cancel();
		expect(h.of("CANCEL")).toHaveLength(0);
		h.reply(100); // to the re-INVITE
		expect(h.of("CANCEL")).toHaveLength(1);
		expect(header(h.of("CANCEL")[0].msg, "via")).toBe(header(h.invite(), "via"));
		expect(header(h.of("CANCEL")[0].msg, "cseq")).toBe("2 CANCEL");
	});

	it("with no final after it, the call fails 487 at 64·T1 and no transaction is left behind", () => {
		const h = harness();
		h.reply(180);
		h.call.cancel();
		h.reply(200, { req: h.of("CANCEL")[0].msg, tag: "" }); // the CANCEL's 200; the 487 never comes
		vi.advanceTimersByTime(64 * T1);
		expect(h.seen).toEqual(["provisional 180", "failed 487 no final response after CANCEL"]);
		vi.advanceTimersByTime(64 * T1); // the CANCEL transaction's timer K
		expect(h.agent.tx.size).toBe(0);
	});

	it("a CANCEL held back for a provisional gets its full 64·T1 from when it is sent", () => {
		const h = harness();
		h.call.cancel();
		vi.advanceTimersByTime(30 * T1); // a slow gateway: its 100 only now (timer B is 64·T1)
		h.reply(100);
		expect(h.of("CANCEL")).toHaveLength(1);
		vi.advanceTimersByTime(64 * T1 - 1);
		expect(h.seen).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(h.seen).toEqual(["failed 487 no final response after CANCEL"]);
	});

	it("a 2xx racing our CANCEL is ACKed and BYE'd at once", () => {
		const h = harness();
		h.reply(180);
		h.call.cancel();
		h.reply(200, { tag: "a" });
		expect(h.of("ACK")).toHaveLength(1);
		expect(toOf(h.of("BYE")[0].msg)).toMatch(/;tag=a$/);
		expect(h.seen).toEqual(["provisional 180", "failed 487 Request Terminated"]);
	});
});

describe("an unreachable gateway", () => {
	it("nothing ever came back: timer B reports it as unreachable, with a reason that says so", () => {
		const h = harness();
		h.call.cancel(); // our ring timeout passed first: no CANCEL can go out
		vi.advanceTimersByTime(64 * T1);
		expect(h.of("CANCEL")).toHaveLength(0);
		expect(h.seen).toEqual(["failed 0 no response from gateway (timer B) (unreachable)"]);
		vi.advanceTimersByTime(64 * T1);
		expect(h.agent.tx.size).toBe(0);
	});

	it("a gateway that challenged and then went silent was reached: plain timer B", () => {
		const h = harness();
		h.reply(401, { extra: [["www-authenticate", 'Digest realm="gw", nonce="n1", qop="auth"']] });
		expect(h.of("INVITE")).toHaveLength(2);
		vi.advanceTimersByTime(64 * T1);
		expect(h.seen).toEqual(["failed 0 timer B expired"]);
	});
});

describe("the BYE", () => {
	it("carries no empty ;tag= when the 2xx had no To tag", () => {
		const h = harness();
		h.reply(200, { tag: "" });
		h.call.bye();
		expect(toOf(h.of("BYE")[0].msg)).toBe("<sip:1555@127.0.0.1:5999>");
	});
});

describe("digest nonce counts", () => {
	const challenge = (status: 401 | 407, nonce: string, stale = false): Header => [
		status === 401 ? "www-authenticate" : "proxy-authenticate",
		`Digest realm="gw", nonce="${nonce}", qop="auth"${stale ? ", stale=true" : ""}`,
	];

	it("start at 00000001 for each fresh nonce and count on for the same one", () => {
		const h = harness();
		h.reply(401, { extra: [challenge(401, "n1")] });
		expect(authParams(h.invite())).toMatchObject({ nonce: "n1", nc: "00000001" });
		h.reply(401, { extra: [challenge(401, "n2", true)] });
		expect(authParams(h.invite())).toMatchObject({ nonce: "n2", nc: "00000001" });
		h.reply(200);
		// The 2xx's ACK repeats the INVITE's credentials (§13.2.2.4); the first two ACKs answered the 401s.
		expect(authParams(h.of("ACK")[2].msg)).toMatchObject({ nonce: "n2", nc: "00000001" });
		h.call.bye();
		h.reply(401, { req: h.of("BYE")[0].msg, extra: [challenge(401, "n2")] });
		expect(authParams(h.of("BYE")[1].msg)).toMatchObject({ nonce: "n2", nc: "00000002" });
	});

	it("a BYE challenged with a new nonce starts again at 00000001", () => {
		const h = harness();
		h.reply(407, { extra: [challenge(407, "n1")] });
		h.reply(200);
		h.call.bye();
		h.reply(407, { req: h.of("BYE")[0].msg, extra: [challenge(407, "n3")] });
		expect(authParams(h.of("BYE")[1].msg)).toMatchObject({ nonce: "n3", nc: "00000001" });
	});

	it("a second challenge that is not stale is not answered (wrong credentials): the call fails", () => {
		const h = harness();
		h.reply(401, { extra: [challenge(401, "n1")] });
		h.reply(401, { extra: [challenge(401, "n2")] });
		expect(h.of("INVITE")).toHaveLength(2);
		expect(h.seen).toEqual(["failed 401 Test"]);
	});
});

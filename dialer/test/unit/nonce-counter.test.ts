/** Digest nonce counts of one call (RFC 2617 §3.2.2): per nonce, from 00000001. */
import { describe, expect, it } from "vitest";
import { parseAuthParams } from "../../src/sip/digest.ts";
import type { SipResponse } from "../../src/sip/message.ts";
import { answerChallenge, NonceCounter } from "../../src/sip/uac-auth.ts";

const challenge = (nonce: string, realm = "gw"): SipResponse => ({
	kind: "response",
	status: 407,
	reason: "Proxy Authentication Required",
	headers: [["proxy-authenticate", `Digest realm="${realm}", nonce="${nonce}", qop="auth"`]],
	body: "",
});
const nc = (res: SipResponse, counter: NonceCounter) =>
	parseAuthParams(
		answerChallenge(res, { username: "a", password: "p" }, "BYE", "sip:x@y", counter)?.header[1].replace(
			/^Digest\s+/,
			"",
		) ?? "",
	).nc;

describe("NonceCounter", () => {
	it("counts per nonce: on for the same one, from 1 for a fresh one, and back on for an earlier one", () => {
		const c = new NonceCounter();
		expect([nc(challenge("n1"), c), nc(challenge("n1"), c)]).toEqual(["00000001", "00000002"]);
		expect(nc(challenge("n2"), c)).toBe("00000001");
		expect(nc(challenge("n1"), c)).toBe("00000003");
		// The same nonce string from another realm is another nonce.
		expect(nc(challenge("n1", "proxy"), c)).toBe("00000001");
	});

	it("hostile: a far end minting nonces keeps the counter small (oldest forgotten)", () => {
		const c = new NonceCounter();
		for (let i = 0; i < 1000; i++) expect(c.next("gw", `n${i}`)).toBe(1);
		expect((c as unknown as { counts: Map<string, number> }).counts.size).toBeLessThanOrEqual(8);
	});

	it("a fixed count still works (a number instead of a counter)", () => {
		const v = answerChallenge(challenge("n"), { username: "a", password: "p" }, "BYE", "sip:x@y", 7);
		expect(parseAuthParams(v?.header[1].replace(/^Digest\s+/, "") ?? "").nc).toBe("00000007");
	});
});

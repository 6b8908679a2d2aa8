/**
 * Outcome and reason of a call that ended before an answer, in particular an
 * unreachable gateway whose timer B outlived our ring timeout.
 */
import { describe, expect, it } from "vitest";
import { outcomeFor, reasonFor } from "../../src/call/outcome.ts";

const NO_RESPONSE = "no response from gateway (timer B)";

describe("outcomeFor / reasonFor", () => {
	it("nothing ever came back: failed with the gateway's reason, even after our ring timeout", () => {
		expect(outcomeFor(0, "ring_timeout", true)).toBe("failed");
		expect(reasonFor(NO_RESPONSE, "ring_timeout", true)).toBe(NO_RESPONSE);
		expect(outcomeFor(0, undefined, true)).toBe("failed");
		expect(reasonFor(NO_RESPONSE, undefined, true)).toBe(NO_RESPONSE);
	});

	it("a gateway that rang and then timed out after our CANCEL is still a no_answer", () => {
		expect(outcomeFor(487, "ring_timeout")).toBe("no_answer");
		expect(reasonFor("Request Terminated", "ring_timeout")).toBe("ring timeout");
		expect(outcomeFor(0, "ring_timeout", false)).toBe("no_answer");
	});

	it("our own DELETE stays canceled (the caller asked), with the reason of what happened", () => {
		expect(outcomeFor(0, "api", true)).toBe("canceled");
		expect(reasonFor(NO_RESPONSE, "api", true)).toBe(NO_RESPONSE);
		expect(outcomeFor(487, "api")).toBe("canceled");
	});

	it("a media failure before the answer is failed with reason media failure, reached or not", () => {
		expect(outcomeFor(0, "media_failure", true)).toBe("failed");
		expect(reasonFor(NO_RESPONSE, "media_failure", true)).toBe("media failure");
		expect(outcomeFor(487, "media_failure")).toBe("failed");
	});

	it("SIP finals map as before when nobody cancelled", () => {
		expect([486, 600, 408, 480, 503, 404].map((s) => outcomeFor(s, undefined))).toEqual([
			"busy",
			"busy",
			"no_answer",
			"no_answer",
			"failed",
			"failed",
		]);
		expect(reasonFor("Busy Here", undefined)).toBe("Busy Here");
	});
});

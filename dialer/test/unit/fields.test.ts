/** Minted SIP tokens (tags, branches, Call-IDs) from the pooled CSPRNG. */
import { describe, expect, it } from "vitest";
import { newBranch, newCallId, newTag, token } from "../../src/sip/fields.ts";

describe("token", () => {
	it("gives hex of the asked length, all distinct, across pool refills", () => {
		const seen = new Set<string>();
		// 4 KiB pool: 1,000 × 10 bytes refills it twice.
		for (let i = 0; i < 1000; i++) {
			const t = token(10);
			expect(t).toMatch(/^[0-9a-f]{20}$/);
			seen.add(t);
		}
		expect(seen.size).toBe(1000);
		expect(token(5000)).toMatch(/^[0-9a-f]{10000}$/); // larger than the pool
	});

	it("looks random: every hex digit turns up about equally often", () => {
		const counts = new Map<string, number>();
		for (let i = 0; i < 2000; i++) for (const ch of token(8)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
		expect(counts.size).toBe(16);
		// 32,000 digits: 2,000 expected each; 1,700-2,300 is > 6 sigma.
		for (const n of counts.values()) expect(n).toBeGreaterThan(1700);
		for (const n of counts.values()) expect(n).toBeLessThan(2300);
	});

	it("branches carry the RFC 3261 magic cookie; tags and Call-IDs are unique", () => {
		expect(newBranch()).toMatch(/^z9hG4bK[0-9a-f]{20}$/);
		expect(newTag()).toMatch(/^[0-9a-f]{12}$/);
		expect(newCallId("10.0.0.1")).toMatch(/^[0-9a-f]{24}@10\.0\.0\.1$/);
		expect(newTag()).not.toBe(newTag());
	});
});

import { describe, expect, it } from "vitest";
import { outcomeFor } from "../../src/call/outcome.ts";
import { Pacer } from "../../src/rtp/pacer.ts";
import { buildDtmf, dtmfDigit, parseDtmf, parseRtp, writeHeader } from "../../src/rtp/packet.ts";

describe("RTP packets", () => {
	it("writes and parses a header", () => {
		const buf = new Uint8Array(172);
		writeHeader(buf, 8, 65535, 0xfffffff0, 0xdeadbeef, true);
		const p = parseRtp(buf);
		expect(p).toMatchObject({ pt: 8, marker: true, seq: 65535, ts: 0xfffffff0, ssrc: 0xdeadbeef });
		expect(p?.payload.length).toBe(160);
	});
	it("rejects non-RTP and truncated input", () => {
		expect(parseRtp(new Uint8Array(5))).toBeUndefined();
		expect(parseRtp(Uint8Array.of(0x40, ...new Uint8Array(20)))).toBeUndefined();
		expect(parseRtp(Uint8Array.of(0x9f, ...new Uint8Array(12)))).toBeUndefined(); // 15 CSRCs claimed
	});
	it("parses RFC 4733 events", () => {
		const e = parseDtmf(buildDtmf({ event: 11, end: true, volume: 10, duration: 800 }));
		expect(e).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
		expect(dtmfDigit(11)).toBe("#");
		expect(dtmfDigit(10)).toBe("*");
		expect(dtmfDigit(5)).toBe("5");
		expect(dtmfDigit(16)).toBeUndefined();
	});
});

describe("pacer", () => {
	it("sends on an absolute 20 ms grid without accumulating timer error", async () => {
		const pacer = new Pacer(20);
		const seen: Array<{ index: number; at: number }> = [];
		await new Promise<void>((resolve) => {
			pacer.add({
				tick: (index) => {
					seen.push({ index, at: performance.now() });
					if (index >= 49) {
						resolve();
						return false;
					}
					return true;
				},
			});
		});
		expect(seen[seen.length - 1].index).toBe(49);
		for (let i = 1; i < seen.length; i++) expect(seen[i].index).toBeGreaterThan(seen[i - 1].index);
		// Lateness against the grid must not grow: per-tick setTimeout would add ~1 ms per packet.
		const late = seen.map((s) => s.at - 20 * s.index);
		const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
		expect(Math.abs(median(late.slice(-10)) - median(late.slice(0, 10)))).toBeLessThan(5);
		expect(pacer.size).toBe(0);
	});
});

describe("outcome mapping", () => {
	it("follows the contract", () => {
		expect(outcomeFor(486, undefined)).toBe("busy");
		expect(outcomeFor(600, undefined)).toBe("busy");
		expect(outcomeFor(408, undefined)).toBe("no_answer");
		expect(outcomeFor(480, undefined)).toBe("no_answer");
		expect(outcomeFor(487, "ring_timeout")).toBe("no_answer");
		expect(outcomeFor(487, "api")).toBe("canceled");
		expect(outcomeFor(503, undefined)).toBe("failed");
		expect(outcomeFor(0, undefined)).toBe("failed");
	});
});

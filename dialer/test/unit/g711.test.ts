import {
	alawToLinear,
	decodeAlaw,
	decodeUlaw,
	encodeAlaw,
	encodeUlaw,
	linearToAlaw,
	linearToUlaw,
	ulawToLinear,
} from "@hatch/shared/audio/g711";
import { describe, expect, it } from "vitest";

describe("G.711 µ-law", () => {
	it("decodes the reference code points", () => {
		expect(ulawToLinear(0x00)).toBe(-32124);
		expect(ulawToLinear(0x80)).toBe(32124);
		expect(ulawToLinear(0x7f)).toBe(0);
		expect(ulawToLinear(0xff)).toBe(0);
		expect(ulawToLinear(0x8f)).toBe(16764);
		expect(ulawToLinear(0x90)).toBe(15996);
		expect(ulawToLinear(0xf0)).toBe(120);
	});
	it("encodes the reference code points", () => {
		expect(linearToUlaw(0)).toBe(0xff);
		expect(linearToUlaw(32767)).toBe(0x80);
		expect(linearToUlaw(-32768)).toBe(0x00);
		expect(linearToUlaw(8)).toBe(0xfe);
		expect(linearToUlaw(-8)).toBe(0x7e);
	});
	it("round-trips every code (decode → encode is the identity except -0)", () => {
		for (let c = 0; c < 256; c++) {
			const back = linearToUlaw(ulawToLinear(c));
			expect(c === 0x7f ? back === 0x7f || back === 0xff : back === c).toBe(true);
		}
	});
	it("quantisation error stays within half a step", () => {
		for (let s = -32000; s <= 32000; s += 37) {
			const err = Math.abs(ulawToLinear(linearToUlaw(s)) - s);
			expect(err).toBeLessThanOrEqual(Math.max(8, Math.abs(s) / 16));
		}
	});
	it("buffer codecs agree with the scalar ones", () => {
		const pcm = Int16Array.from({ length: 1000 }, (_, i) => Math.round(Math.sin(i / 7) * 30000));
		const u = encodeUlaw(pcm);
		for (let i = 0; i < pcm.length; i++) expect(u[i]).toBe(linearToUlaw(pcm[i]));
		expect(Array.from(decodeUlaw(u.subarray(0, 4)))).toEqual(Array.from(u.subarray(0, 4), ulawToLinear));
	});
});

describe("G.711 A-law", () => {
	it("decodes the reference code points", () => {
		expect(alawToLinear(0xd5)).toBe(8);
		expect(alawToLinear(0x55)).toBe(-8);
		expect(alawToLinear(0xaa)).toBe(32256);
		expect(alawToLinear(0x2a)).toBe(-32256);
	});
	it("encodes the reference code points", () => {
		expect(linearToAlaw(0)).toBe(0xd5);
		expect(linearToAlaw(-1)).toBe(0x55);
		expect(linearToAlaw(32767)).toBe(0xaa);
		expect(linearToAlaw(-32768)).toBe(0x2a);
	});
	it("round-trips every code", () => {
		for (let c = 0; c < 256; c++) expect(linearToAlaw(alawToLinear(c))).toBe(c);
	});
	it("buffer codecs agree with the scalar ones", () => {
		const pcm = Int16Array.from({ length: 1000 }, (_, i) => Math.round(Math.cos(i / 5) * 20000));
		const a = encodeAlaw(pcm);
		for (let i = 0; i < pcm.length; i++) expect(a[i]).toBe(linearToAlaw(pcm[i]));
		expect(decodeAlaw(a)[3]).toBe(alawToLinear(a[3]));
	});
});

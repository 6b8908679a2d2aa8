import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseCSeq, parseNameAddr, parseVia, tagOf, uriHostPort } from "../../src/sip/fields.ts";
import { header, headerValues, serialize } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";

const OK = [
	"SIP/2.0 200 OK",
	"v: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1;rport=5062;received=127.0.0.1",
	"Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK2, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK3",
	'f: "Caller, Inc" <sip:a@b>;tag=1',
	"t: <sip:c@d>;tag=2",
	"i: abc@h",
	"CSeq: 2 INVITE",
	"Record-Route: <sip:p1;lr>, <sip:p2;lr>",
	"Contact: <sip:c@10.0.0.3:5070;transport=udp>",
	"c: application/sdp",
	"l: 5",
	"",
	"hello",
].join("\r\n");

describe("SIP parser", () => {
	it("parses a response with compact headers and comma lists", () => {
		const r = parseMessage(Buffer.from(OK));
		if (!r.ok) throw new Error(r.error);
		const m = r.message;
		expect(m.kind).toBe("response");
		expect(header(m, "Call-ID")).toBe("abc@h");
		expect(headerValues(m, "via")).toHaveLength(3);
		expect(headerValues(m, "record-route")).toEqual(["<sip:p1;lr>", "<sip:p2;lr>"]);
		expect(tagOf(header(m, "from"))).toBe("1");
		expect(parseNameAddr(header(m, "from") ?? "")?.display).toBe("Caller, Inc");
		expect(parseVia(headerValues(m, "via")[0])).toMatchObject({
			transport: "UDP",
			host: "127.0.0.1",
			port: 5062,
			params: { branch: "z9hG4bK1", rport: "5062" },
		});
		expect(uriHostPort("sip:c@10.0.0.3:5070;transport=udp")).toEqual({
			host: "10.0.0.3",
			port: 5070,
			transport: "udp",
		});
		expect(m.body).toBe("hello");
	});

	it("round-trips through the serializer", () => {
		const r = parseMessage(Buffer.from(OK));
		if (!r.ok) throw new Error(r.error);
		const again = parseMessage(serialize(r.message));
		if (!again.ok) throw new Error(again.error);
		expect(again.message).toEqual(r.message);
	});

	it("unfolds a value that starts on the next line without a leading space (found by sip-fuzz)", () => {
		const text = OK.replace("i: abc@h", "i:\r\n   abc@h\r\n\tmore");
		const r = parseMessage(Buffer.from(text));
		if (!r.ok) throw new Error(r.error);
		expect(header(r.message, "call-id")).toBe("abc@h more");
		const again = parseMessage(serialize(r.message));
		expect(again.ok && header(again.message, "call-id")).toBe("abc@h more");
	});

	it("parses a request and respects Content-Length on streams", () => {
		const req =
			"BYE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: q\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n";
		const two = Buffer.from(req + req);
		const r = parseMessage(two, true);
		if (!r.ok) throw new Error(r.error);
		expect(r.message.kind === "request" && r.message.method).toBe("BYE");
		expect(r.consumed).toBe(req.length);
		const partial = parseMessage(two.subarray(0, 30), true);
		expect(partial.ok === false && partial.incomplete).toBe(true);
	});

	it("keeps the method as sent (RFC 3261 §7.1: case-sensitive) and takes extension-method tokens", () => {
		const req = (method: string, cseqMethod = method) =>
			`${method} sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: q\r\nCSeq: 5 ${cseqMethod}\r\nContent-Length: 0\r\n\r\n`;
		for (const method of ["invite", "Bye", "X-PING", "INFO.v2"]) {
			const r = parseMessage(Buffer.from(req(method)));
			if (!r.ok) throw new Error(`${method}: ${r.error}`);
			expect(r.message.kind === "request" && r.message.method).toBe(method);
			expect(parseCSeq(header(r.message, "cseq"))).toEqual({ seq: 5, method });
		}
		// Not a token: dropped, never guessed at.
		expect(parseMessage(Buffer.from(req("IN VITE", "INVITE"))).ok).toBe(false);
		expect(parseMessage(Buffer.from(req("INVITE", "INV/ITE"))).ok).toBe(false);
		expect(parseMessage(Buffer.from(req("A".repeat(33)))).ok).toBe(false);
	});

	const bad: Array<[string, string | Buffer]> = [
		["empty", ""],
		["only CRLF", "\r\n\r\n"],
		["no blank line", "SIP/2.0 200 OK\r\nVia: x"],
		["bad start line", "HELLO WORLD\r\n\r\n"],
		[
			"missing Call-ID",
			"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: a\r\nTo: b\r\nCSeq: 1 INVITE\r\n\r\n",
		],
		["bad CSeq", OK.replace("CSeq: 2 INVITE", "CSeq: two INVITE")],
		["negative Content-Length", OK.replace("l: 5", "l: -5")],
		["Content-Length beyond the datagram", OK.replace("l: 5", "l: 500")],
		["header without colon", OK.replace("i: abc@h", "i abc@h")],
		["NUL in headers", OK.replace("abc@h", "abc\u0000h")],
		["status out of range", OK.replace("200 OK", "999 Nope")],
		[
			"unsupported URI scheme",
			"INVITE http://x SIP/2.0\r\nVia: v\r\nFrom: f\r\nTo: t\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\r\n",
		],
		["oversized", `SIP/2.0 200 OK\r\nX: ${"a".repeat(70_000)}\r\n\r\n`],
		["very long line", `SIP/2.0 200 OK\r\nVia: ${"a".repeat(9000)}\r\n\r\n`],
		["too many headers", `SIP/2.0 200 OK\r\n${"X-A: 1\r\n".repeat(200)}\r\n`],
		["huge Content-Length", OK.replace("l: 5", "l: 99999999999")],
	];
	for (const [name, input] of bad) {
		it(`drops ${name} without throwing`, () => {
			const r = parseMessage(typeof input === "string" ? Buffer.from(input, "latin1") : input);
			expect(r.ok).toBe(false);
		});
	}

	it("drops truncated copies of a valid message at every length", () => {
		const full = Buffer.from(OK);
		for (let n = 0; n < full.length - 5; n++) {
			const r = parseMessage(full.subarray(0, n));
			expect(r.ok).toBe(false);
		}
	});

	it("never throws on random binary garbage", () => {
		for (let i = 0; i < 2000; i++) {
			const junk = randomBytes(1 + (i % 700));
			if (i % 3 === 0) Buffer.from("SIP/2.0 200 OK\r\n").copy(junk);
			expect(() => parseMessage(junk)).not.toThrow();
			expect(() => parseMessage(junk, true)).not.toThrow();
		}
	});
});

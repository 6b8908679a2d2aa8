/**
 * Property tests (fast-check) for everything the dialer can receive over SIP:
 * random bytes and RFC 4475's torture messages mutated at random. The parser
 * never fails by exception, whatever it reads back serializes and parses to
 * the same message, and the user agent fed a stream of mutants keeps
 * answering, never with a 2xx to anything but OPTIONS.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SipAgent } from "../../src/sip/agent.ts";
import { header, type SipMessage, serialize } from "../../src/sip/message.ts";
import { parseMessage } from "../../src/sip/parser.ts";
import { TORTURE, wire } from "../fixtures/rfc4475.ts";
import { isStatus, openPeer, type Peer, request, startAgent } from "./sip-peer.ts";

const seeds = TORTURE.map(wire);

/** One edit to a message's bytes. */
const mutation = fc.oneof(
	fc.record({ op: fc.constant("flip" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
	fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
	fc.record({ op: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
	fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
	fc.record({ op: fc.constant("dupLine" as const), at: fc.nat() }),
	fc.record({
		op: fc.constant("token" as const),
		at: fc.nat(),
		text: fc.constantFrom(
			"\r\n",
			"\n",
			":",
			";",
			",",
			"<",
			">",
			'"',
			"\\",
			" ",
			"\t",
			"%00",
			"SIP/2.0",
			"99999999999999999999",
			"-1",
		),
	}),
);

function mutate(
	base: Buffer,
	edits: Array<typeof mutation extends fc.Arbitrary<infer T> ? T : never>,
): Buffer {
	let b = Buffer.from(base);
	for (const e of edits) {
		const at = b.length === 0 ? 0 : e.at % b.length;
		switch (e.op) {
			case "flip":
				if (b.length) b[at] = e.byte;
				break;
			case "insert":
				b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at)]);
				break;
			case "delete":
				b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
				break;
			case "truncate":
				b = b.subarray(0, at);
				break;
			case "dupLine": {
				const end = b.indexOf("\r\n", at);
				const start = b.lastIndexOf("\r\n", at) + 2;
				if (end > start)
					b = Buffer.concat([b.subarray(0, end + 2), b.subarray(start, end + 2), b.subarray(end + 2)]);
				break;
			}
			case "token":
				b = Buffer.concat([b.subarray(0, at), Buffer.from(e.text, "latin1"), b.subarray(at)]);
				break;
		}
	}
	return b;
}

const mutant = fc
	.tuple(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }))
	.map(([i, edits]) => mutate(seeds[i], edits));

const same = (a: SipMessage, b: SipMessage) =>
	a.kind === b.kind &&
	(a.kind === "request"
		? b.kind === "request" && a.method === b.method && a.uri === b.uri
		: b.kind === "response" && a.status === b.status) &&
	header(a, "call-id") === header(b, "call-id") &&
	header(a, "cseq") === header(b, "cseq");

describe("SIP parser properties", () => {
	it("random bytes: refused with a reason of its own, never an exception", () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (bytes, stream) => {
				const r = parseMessage(bytes, stream);
				if (!r.ok) expect(r.error).not.toMatch(/^parser error/);
			}),
			{ numRuns: 3000 },
		);
	});

	it("mutated torture messages: no exception, and what parses round-trips", () => {
		fc.assert(
			fc.property(mutant, (bytes) => {
				const r = parseMessage(bytes);
				if (!r.ok) {
					expect(r.error).not.toMatch(/^parser error/);
					return;
				}
				const again = parseMessage(serialize(r.message));
				expect(again.ok).toBe(true);
				if (again.ok) expect(same(r.message, again.message)).toBe(true);
			}),
			{ numRuns: 3000 },
		);
	});

	it("a stream split anywhere yields the same messages", () => {
		const two = Buffer.concat([seeds[0], seeds[2]]);
		fc.assert(
			fc.property(fc.integer({ min: 1, max: two.length - 1 }), (cut) => {
				const first = parseMessage(two.subarray(0, cut), true);
				if (cut < seeds[0].length) {
					expect(first.ok).toBe(false);
					if (!first.ok) expect(first.incomplete).toBe(true);
				}
				const whole = parseMessage(two, true);
				expect(whole.ok && whole.consumed).toBe(seeds[0].length);
			}),
		);
	});
});

describe("SIP user agent under mutated input", () => {
	let agent: SipAgent;
	let peer: Peer;
	const sent: SipMessage[] = [];
	beforeAll(async () => {
		agent = await startAgent();
		const send = agent.transport.send.bind(agent.transport);
		agent.transport.send = (dest, bytes) => {
			const r = parseMessage(bytes);
			if (r.ok) sent.push(r.message);
			send(dest, bytes);
		};
		peer = await openPeer(agent.port);
	});
	afterAll(async () => {
		agent.close();
		await peer.close();
	});

	it("500 mutants over UDP: still answering, never a 2xx but to OPTIONS", async () => {
		const mutants = fc.sample(mutant, { numRuns: 500, seed: 4475 });
		// In rounds of 25, each closed by a marker OPTIONS the agent must answer,
		// so the kernel's receive buffer never drops what the test waits for.
		for (let round = 0; round * 25 < mutants.length; round++) {
			for (const m of mutants.slice(round * 25, round * 25 + 25)) peer.send(m.toString("latin1"));
			const callId = `fuzz-marker-${round}@peer`;
			peer.send(request("OPTIONS", { callId, branch: `z9hG4bKfuzz${round}` }));
			await peer.next((r) => header(r.msg, "call-id") === callId && isStatus(200, "OPTIONS")(r), 10_000);
		}
		for (const m of sent) {
			if (m.kind !== "response" || m.status >= 300) continue;
			expect(header(m, "cseq"), "a 2xx answers an OPTIONS").toMatch(/ OPTIONS$/);
		}
		expect(sent.some((m) => m.kind === "response" && m.status >= 500 && m.status !== 501)).toBe(false);
	});
});

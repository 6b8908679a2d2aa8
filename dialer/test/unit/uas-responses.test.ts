/**
 * What the agent answers to the far end's requests outside any dialog, over
 * real UDP on loopback: To tags (RFC 3261 §8.2.6.2), Via received/rport
 * (RFC 3581 §4, RFC 3261 §18.2.1), the INVITE refusal, method case (§7.1).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SipAgent } from "../../src/sip/agent.ts";
import { parseVia, tagOf } from "../../src/sip/fields.ts";
import { header, headerValues, type SipResponse } from "../../src/sip/message.ts";
import { isStatus, openPeer, type Peer, request, startAgent } from "./sip-peer.ts";

let agent: SipAgent;
let peer: Peer;
beforeEach(async () => {
	agent = await startAgent();
	peer = await openPeer(agent.port);
});
afterEach(async () => {
	agent.close();
	await peer.close();
});

const res = (r: { msg: unknown }) => r.msg as SipResponse;
const topVia = (r: SipResponse) => parseVia(headerValues(r, "via")[0]);

describe("To tags on our responses", () => {
	it("tags the 200 to an OPTIONS ping, the same tag for a retransmission, another for a new ping", async () => {
		const ping = request("OPTIONS", { branch: "z9hG4bKping1" });
		peer.send(ping);
		const first = res(await peer.next(isStatus(200, "OPTIONS")));
		const tag = tagOf(header(first, "to"));
		expect(tag).toMatch(/^[0-9a-f]{8,}$/);
		peer.send(ping); // a retransmission: same branch
		const again = res(await peer.next(isStatus(200, "OPTIONS"), 3000, 2));
		expect(tagOf(header(again, "to"))).toBe(tag);
		peer.send(request("OPTIONS", { branch: "z9hG4bKping2", cseq: "2 OPTIONS" }));
		const other = res(await peer.next(isStatus(200, "OPTIONS"), 3000, 3));
		expect(tagOf(header(other, "to"))).not.toBe(tag);
		expect(header(first, "allow")).toContain("INVITE");
	});

	it("tags 4xx/5xx answers too, and keeps a To tag the request already had", async () => {
		peer.send(request("SUBSCRIBE", { branch: "z9hG4bKsub" }));
		const sub = res(await peer.next(isStatus(405)));
		expect(tagOf(header(sub, "to"))).toMatch(/^[0-9a-f]{8,}$/);
		expect(header(sub, "allow")).toBeDefined();
		peer.send(request("BYE", { branch: "z9hG4bKbye", to: "<sip:hatch@127.0.0.1>;tag=theirs" }));
		const bye = res(await peer.next(isStatus(481)));
		expect(tagOf(header(bye, "to"))).toBe("theirs");
	});

	it("stays stable for a retransmission even without a branch (RFC 2543 peer)", async () => {
		const old = request("OPTIONS", { via: "SIP/2.0/UDP 127.0.0.1:@PORT@", cseq: "7 OPTIONS" });
		peer.send(old);
		const a = res(await peer.next(isStatus(200)));
		peer.send(old);
		const b = res(await peer.next(isStatus(200), 3000, 2));
		expect(tagOf(header(a, "to"))).toBeDefined();
		expect(tagOf(header(b, "to"))).toBe(tagOf(header(a, "to")));
	});
});

describe("Via received and rport", () => {
	it("fills an empty rport with the source port and adds received (RFC 3581 §4)", async () => {
		peer.send(request("OPTIONS", { via: "SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKr1;rport" }));
		const v = topVia(res(await peer.next(isStatus(200))));
		expect(v?.params.rport).toBe(String(peer.port));
		expect(v?.params.received).toBe("127.0.0.1");
		expect(v?.params.branch).toBe("z9hG4bKr1");
	});

	it("adds received when sent-by names another host or a domain, not when it is the source", async () => {
		peer.send(request("OPTIONS", { via: "SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKr2" }));
		const nat = topVia(res(await peer.next(isStatus(200))));
		expect(nat?.params.received).toBe("127.0.0.1");
		expect(nat?.params.rport).toBeUndefined(); // not asked for
		peer.send(request("OPTIONS", { via: "SIP/2.0/UDP gw.example.com;branch=z9hG4bKr3" }));
		expect(topVia(res(await peer.next(isStatus(200), 3000, 2)))?.params.received).toBe("127.0.0.1");
		peer.send(request("OPTIONS", { via: "SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bKr4" }));
		const direct = res(await peer.next(isStatus(200), 3000, 3));
		expect(topVia(direct)?.params.received).toBeUndefined();
	});

	it("stamps only the top Via, overwrites a forged received, leaves a filled rport alone", async () => {
		const via =
			"SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKr5;received=6.6.6.6;rport=1234, SIP/2.0/UDP 10.0.0.1;rport";
		peer.send(request("OPTIONS", { via }));
		const r = res(await peer.next(isStatus(200)));
		const vias = headerValues(r, "via");
		expect(vias).toHaveLength(2);
		expect(parseVia(vias[0])?.params).toMatchObject({ received: "127.0.0.1", rport: "1234" });
		expect(vias[1]).toBe("SIP/2.0/UDP 10.0.0.1;rport");
		expect(vias[0].match(/received=/g)).toHaveLength(1);
	});
});

describe("requests outside any dialog", () => {
	it("refuses an inbound INVITE with 403 and a To tag, and the same answer to its retransmission", async () => {
		const inv = request("INVITE", { branch: "z9hG4bKinv", body: "v=0\r\n" });
		peer.send(inv);
		const r = res(await peer.next((x) => x.msg.kind === "response"));
		expect(r.status).toBe(403);
		const tag = tagOf(header(r, "to"));
		expect(tag).toBeDefined();
		peer.send(inv);
		const again = res(await peer.next((x) => x.msg.kind === "response", 3000, 2));
		expect([again.status, tagOf(header(again, "to"))]).toEqual([403, tag]);
		// The ACK for the 403 is absorbed: no answer.
		peer.send(
			request("ACK", { branch: "z9hG4bKinv", cseq: "1 ACK", to: `<sip:hatch@127.0.0.1>;tag=${tag}` }),
		);
		await new Promise((r) => setTimeout(r, 100));
		expect(peer.responses()).toHaveLength(2);
	});

	it("481s in-dialog requests (a To tag) for no dialog, and a CANCEL or BYE without one", async () => {
		peer.send(request("INVITE", { branch: "z9hG4bKre", to: "<sip:hatch@127.0.0.1>;tag=gone" }));
		peer.send(request("CANCEL", { branch: "z9hG4bKc" }));
		peer.send(request("BYE", { branch: "z9hG4bKb" }));
		await peer.next(isStatus(481), 3000, 3);
		expect(peer.responses().map((r) => r.status)).toEqual([481, 481, 481]);
		for (const r of peer.responses()) expect(tagOf(header(r, "to"))).toBeDefined();
	});
});

describe("method names are case-sensitive (RFC 3261 §7.1)", () => {
	it("501s a lower-case invite or options and an unknown extension method", async () => {
		peer.send(request("invite", { branch: "z9hG4bKl1", cseq: "1 invite" }));
		peer.send(request("options", { branch: "z9hG4bKl2", cseq: "1 options" }));
		peer.send(request("X-PING", { branch: "z9hG4bKl3", cseq: "1 X-PING" }));
		await peer.next((x) => x.msg.kind === "response", 3000, 3);
		const byMethod = new Map(peer.responses().map((r) => [header(r, "cseq"), r]));
		for (const cseq of ["1 invite", "1 options", "1 X-PING"]) {
			const r = byMethod.get(cseq);
			expect(r?.status).toBe(501);
			expect(tagOf(header(r as SipResponse, "to"))).toBeDefined();
			expect(header(r as SipResponse, "allow")).toBe("INVITE, ACK, CANCEL, BYE, OPTIONS");
		}
	});

	it("answers 400 when the CSeq method is not the request's method", async () => {
		peer.send(request("OPTIONS", { branch: "z9hG4bKm1", cseq: "1 INVITE" }));
		expect(res(await peer.next((x) => x.msg.kind === "response")).status).toBe(400);
	});
});

describe("the response cache keys a request as RFC 3261 §17.2.3 does", () => {
	it("answers two peers that reuse one branch each on their own", async () => {
		const other = await openPeer(agent.port);
		try {
			const ping = (p: string) => request("OPTIONS", { branch: "z9hG4bKsame", callId: `call-${p}@peer` });
			peer.send(ping("a"));
			await peer.next(isStatus(200, "OPTIONS"));
			// Same branch from another sent-by: a transaction of its own, not a retransmission of ours.
			other.send(ping("b"));
			const b = res(await other.next(isStatus(200, "OPTIONS")));
			expect(header(b, "call-id")).toBe("call-b@peer");
			expect(peer.got.filter(isStatus(200, "OPTIONS")).length).toBe(1);
		} finally {
			await other.close();
		}
	});

	it("keeps RFC 2543 requests (no magic cookie) apart by Call-ID, From tag and CSeq, and a retransmission together", async () => {
		peer.send(request("OPTIONS", { branch: "1", callId: "old-1@peer" }));
		const first = res(await peer.next(isStatus(200, "OPTIONS")));
		peer.send(request("OPTIONS", { branch: "1", callId: "old-2@peer" }));
		const second = res(await peer.next(isStatus(200, "OPTIONS"), 3000, 2));
		expect([header(first, "call-id"), header(second, "call-id")]).toEqual(["old-1@peer", "old-2@peer"]);
		// The first again, byte for byte: answered from the cache with the same response.
		peer.send(request("OPTIONS", { branch: "1", callId: "old-1@peer" }));
		const again = res(await peer.next(isStatus(200, "OPTIONS"), 3000, 3));
		expect(tagOf(header(again, "to"))).toBe(tagOf(header(first, "to")));
		expect(header(again, "call-id")).toBe("old-1@peer");
	});
});

describe("extensions a request requires (RFC 3261 §8.2.2.3)", () => {
	it("answers 420 Bad Extension listing every required option tag in Unsupported", async () => {
		peer.send(
			request("OPTIONS", { branch: "z9hG4bKreq1", extra: { Require: "100rel, timer", "X-Other": "1" } }),
		);
		const r = res(await peer.next(isStatus(420, "OPTIONS")));
		expect(header(r, "unsupported")).toBe("100rel, timer");
		peer.send(request("INVITE", { branch: "z9hG4bKreq2", extra: { Require: "replaces" } }));
		expect(header(res(await peer.next(isStatus(420, "INVITE"))), "unsupported")).toBe("replaces");
	});

	it("ignores Require on a CANCEL, and an empty Require", async () => {
		peer.send(request("CANCEL", { branch: "z9hG4bKreq3", extra: { Require: "100rel" } }));
		await peer.next(isStatus(481, "CANCEL"));
		peer.send(request("OPTIONS", { branch: "z9hG4bKreq4", extra: { Require: " " } }));
		await peer.next(isStatus(200, "OPTIONS"));
	});
});

/**
 * Failure paths against real sipp (and a fake UAS for the malformed response):
 * busy, 503, 404, no answer (ring timeout → CANCEL → 487, also after a bare
 * 100 Trying), our own DELETE while ringing, far-end BYE mid-sound (407 proxy
 * auth first), an unreachable gateway (timer B, before and after our ring
 * timeout) and garbage instead of a response.
 */
import dgram from "node:dgram";
import { buildWav } from "@hatch/shared/audio/wav";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallEvent } from "../../src/call/types.ts";
import { type Json, postCall, startDialer, type TestDialer, waitFor } from "../helpers.ts";
import { freeUdpPort, startCapture, startSippUas } from "./harness.ts";

let t: TestDialer;
beforeAll(async () => {
	t = await startDialer();
});
afterAll(async () => {
	await t.stop();
});

const inline = (seconds: number) =>
	Buffer.from(buildWav(new Int16Array(8000 * seconds).fill(1000), 8000)).toString("base64");
let n = 0;

async function dial(port: number, extra: Record<string, unknown> = {}): Promise<string> {
	const call_id = `f-${++n}-${Date.now()}`;
	const res = await postCall(t, {
		call_id,
		to: "5550100",
		trunk: { host: "127.0.0.1", port, username: "alice", password: "s3cret" },
		audio: { inline: inline(3) },
		...extra,
	});
	expect(res.status).toBe(201);
	return call_id;
}

/** Milliseconds from the call's `trying` to `ev`, on the dialer's clock (the events' own times). */
function sinceTrying(ev: CallEvent): number {
	const trying = t.events.find((e) => e.call_id === ev.call_id && e.type === "trying");
	return Date.parse(ev.at) - Date.parse(trying?.at ?? "");
}

function final(callId: string, ms = 10_000): Promise<CallEvent> {
	const finals = new Set(["completed", "busy", "no_answer", "failed", "canceled"]);
	return waitFor(
		() => t.events.find((e) => e.call_id === callId && finals.has(e.type)),
		ms,
		`final event of ${callId}`,
	);
}

describe("rejections", () => {
	for (const [code, type] of [
		[486, "busy"],
		[600, "busy"],
		[480, "no_answer"],
		[503, "failed"],
		[404, "failed"],
	] as const) {
		it(`${code} → ${type}`, async () => {
			const sipp = await startSippUas("uas-reject.xml", {}, { CODE: code });
			try {
				const id = await dial(sipp.port);
				const ev = await final(id);
				expect(ev).toMatchObject({ type, sip_code: code, reason: "Rejected By Test" });
				expect(ev.ring_ms).toBeGreaterThan(0);
				const { code: exit, output } = await sipp.exit;
				expect(exit, output).toBe(0); // sipp saw our ACK
				expect(t.events.filter((e) => e.call_id === id).map((e) => e.type)).toEqual([
					"trying",
					"ringing",
					type,
				]);
			} finally {
				sipp.proc.kill();
			}
		});
	}
});

describe("TCP transport", () => {
	it("places the call over TCP (framing by Content-Length) and maps 486 to busy", async () => {
		const sipp = await startSippUas("uas-reject.xml", {}, { CODE: 486 }, "t1");
		try {
			const call_id = `tcp-${Date.now()}`;
			const res = await postCall(t, {
				call_id,
				to: "5550101",
				trunk: { host: "127.0.0.1", port: sipp.port, transport: "tcp" },
				audio: { inline: inline(1) },
			});
			expect(res.status).toBe(201);
			const ev = await final(call_id);
			expect(ev).toMatchObject({ type: "busy", sip_code: 486 });
			const { code, output } = await sipp.exit;
			expect(code, output).toBe(0);
		} finally {
			sipp.proc.kill();
		}
	});
});

describe("no answer and cancel", () => {
	it("ring timeout sends CANCEL; 487 ends it as no_answer", async () => {
		const sipp = await startSippUas("uas-no-answer.xml");
		try {
			const started = Date.now();
			const id = await dial(sipp.port, { ring_timeout_s: 1 });
			const ev = await final(id);
			expect(ev).toMatchObject({ type: "no_answer", sip_code: 487, reason: "ring timeout" });
			expect(Date.now() - started).toBeGreaterThanOrEqual(950);
			const { code, output } = await sipp.exit;
			expect(code, output).toBe(0); // sipp got CANCEL and the ACK for 487
		} finally {
			sipp.proc.kill();
		}
	});

	it("ring timeout after a bare 100 Trying still sends CANCEL (§9.1): 487, no_answer, without waiting 64·T1", async () => {
		const sipp = await startSippUas("uas-trying-only.xml");
		try {
			const started = Date.now();
			const id = await dial(sipp.port, { ring_timeout_s: 1 });
			const ev = await final(id);
			expect(ev).toMatchObject({ type: "no_answer", sip_code: 487, reason: "ring timeout" });
			// Without the CANCEL the call would end only when our 64·T1 guard gave up (1 s + 3.2 s).
			expect(Date.now() - started).toBeLessThan(1000 + 64 * 50 - 500);
			const { code, output } = await sipp.exit;
			expect(code, output).toBe(0); // sipp got the CANCEL and the ACK for 487
			expect(t.events.filter((e) => e.call_id === id).map((e) => e.type)).toEqual(["trying", "no_answer"]);
		} finally {
			sipp.proc.kill();
		}
	});

	it("DELETE while ringing cancels: canceled", async () => {
		const sipp = await startSippUas("uas-no-answer.xml");
		try {
			const id = await dial(sipp.port);
			await waitFor(() => t.events.find((e) => e.call_id === id && e.type === "ringing"), 5000, "ringing");
			const del = await fetch(`${t.base}/calls/${id}`, {
				method: "DELETE",
				headers: { authorization: `Bearer ${t.token}` },
			});
			expect(del.status).toBe(202);
			const ev = await final(id);
			expect(ev).toMatchObject({ type: "canceled", sip_code: 487 });
			const { code, output } = await sipp.exit;
			expect(code, output).toBe(0);
		} finally {
			sipp.proc.kill();
		}
	});
});

describe("far end hangs up mid-sound", () => {
	it("answers a 407 proxy challenge, then the far end's BYE completes the call early", async () => {
		const capture = await startCapture();
		// Under load our INVITE may be retransmitted (T1 is 50 ms here) before the 407 arrives: sipp then sends
		// the 407 again and we ACK it again, as RFC 3261 §17.1.1.2 says, after sipp has moved on. A proxy
		// absorbs that ACK; sipp would abort the call on it, so it continues instead, and any such message is
		// checked below to be a retransmitted ACK of the 407 and nothing else.
		const sipp = await startSippUas("uas-407-farbye.xml", { rtpport: capture.port }, {}, "u1", [
			"-default_behaviors",
			"all,-abortunexp",
		]);
		try {
			const id = await dial(sipp.port);
			const ev = await final(id);
			expect(ev).toMatchObject({ type: "completed", reason: "remote hangup" });
			expect(ev.talk_ms).toBeGreaterThan(800);
			expect(ev.talk_ms).toBeLessThan(2500); // the sound is 3 s
			expect(ev.billed_s).toBe(Math.ceil((ev.talk_ms ?? 0) / 1000));
			const { code, output } = await sipp.exit;
			expect(code, output).toBe(0); // our 200 to its BYE arrived
			for (const unexpected of sipp.errors().split("unexpected message").slice(1))
				expect(unexpected, sipp.errors()).toMatch(/received 'ACK [^']*CSeq: 1 ACK/);
			const got = capture.packets.length;
			expect(got).toBeGreaterThan(35);
			expect(got).toBeLessThan(130);
			// Nothing more is sent after the BYE.
			await new Promise((r) => setTimeout(r, 200));
			expect(capture.packets.length).toBe(got);
		} finally {
			capture.close();
			sipp.proc.kill();
		}
	});
});

describe("transport failures", () => {
	it("unreachable gateway: INVITE retransmitted until timer B, then failed with sip_code 0", async () => {
		const port = await freeUdpPort(); // nothing listens there
		const id = await dial(port);
		const ev = await final(id, 8000);
		expect(ev).toMatchObject({ type: "failed", sip_code: 0, reason: "no response from gateway (timer B)" });
		// It never rang, so it has no ring time (it had 32,001 ms in production).
		expect(ev).not.toHaveProperty("ring_ms", expect.anything());
		expect(sinceTrying(ev)).toBeGreaterThanOrEqual(64 * 50 - 50);
	});

	it("unreachable gateway whose timer B comes after our ring timeout: still failed, not no_answer", async () => {
		// Production: ring timeout 30 s < timer B 32 s. Here 1 s < 64 · 50 ms = 3.2 s.
		const port = await freeUdpPort();
		const id = await dial(port, { ring_timeout_s: 1 });
		const ev = await final(id, 8000);
		expect(ev).toMatchObject({ type: "failed", sip_code: 0, reason: "no response from gateway (timer B)" });
		expect(sinceTrying(ev)).toBeGreaterThanOrEqual(64 * 50 - 50); // timer B ended it, not the ring timeout
		expect(ev).not.toHaveProperty("ring_ms", expect.anything());
		expect(t.events.filter((e) => e.call_id === id).map((e) => e.type)).toEqual(["trying", "failed"]);
	});

	it("malformed responses are dropped (never crash); the call fails by timer B", async () => {
		const fake = dgram.createSocket("udp4");
		let invites = 0;
		fake.on("message", (buf, rinfo) => {
			if (!buf.toString("latin1").startsWith("INVITE")) return;
			invites++;
			const garbage = [
				Buffer.from("SIP/2.0 200 OK\r\nVia: x\r\n\r\n"), // missing headers
				Buffer.from("SIP/2.0 2000 OK\r\n\r\n"),
				Buffer.from([0xff, 0x00, 0x13, 0x37]),
				Buffer.alloc(70_000, 0x41).subarray(0, 60_000),
				Buffer.from(
					`${buf
						.toString("latin1")
						.split("\r\n\r\n")[0]
						.replace(/^INVITE .*/, "SIP/2.0 180 Ringing")
						.replace(/Content-Length: \d+/i, "Content-Length: 9999")}\r\n\r\n`,
				),
			];
			for (const g of garbage) fake.send(g, rinfo.port, rinfo.address);
		});
		await new Promise<void>((r) => fake.bind(0, "127.0.0.1", () => r()));
		try {
			const id = await dial(fake.address().port);
			const ev = await final(id, 8000);
			expect(ev).toMatchObject({ type: "failed", sip_code: 0 });
			expect(invites).toBeGreaterThan(3); // retransmissions kept coming
			expect(t.events.filter((e) => e.call_id === id).map((e) => e.type)).toEqual(["trying", "failed"]);
			const health = (await (await fetch(`${t.base}/health`)).json()) as Json;
			expect(health.ok).toBe(true);
		} finally {
			fake.close();
		}
	});
});

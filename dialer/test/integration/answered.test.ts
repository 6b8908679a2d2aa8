/**
 * Happy path against a real sipp UAS: 401 digest challenge, answer, the whole
 * sound as RTP at 50 packets/s, DTMF from the far end, BYE, and the events
 * delivered both to the callback URL (with a retry) and on the WebSocket. Run
 * on both RTP send paths: the native sender (as shipped) and dgram (its fallback).
 */

import { buildWav } from "@hatch/shared/audio/wav";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PLAYOUT_MS } from "../../src/call/call.ts";
import type { CallEvent } from "../../src/call/types.ts";
import { type Json, postCall, startDialer, type TestDialer, waitFor } from "../helpers.ts";
import { startCapture, startSippUas, startWorkerStub } from "./harness.ts";

const SECONDS = 2;
const sound = buildWav(
	Int16Array.from({ length: 16000 * SECONDS }, (_, i) => Math.round(Math.sin(i / 10) * 8000)),
	16000,
);

describe.each(["on", "off"] as const)(
	"answered call (sipp UAS, 401 digest), DIALER_NATIVE_SEND=%s",
	(nativeSend) => {
		let t: TestDialer;
		beforeAll(async () => {
			t = await startDialer({ nativeSend });
		});
		afterAll(async () => {
			await t.stop();
		});

		it("authenticates, streams the sound at 50 packets/s, reports DTMF, BYEs and completes", async () => {
			const capture = await startCapture({ dtmfEvent: 11 }); // '#'
			const sipp = await startSippUas("uas-auth-answer.xml", { rtpport: capture.port });
			const stub = await startWorkerStub(sound, { failFirst: 1 });
			const ws = new WebSocket(`${t.base.replace("http", "ws")}/events`, {
				headers: { authorization: `Bearer ${t.token}` },
			});
			const wsEvents: CallEvent[] = [];
			ws.on("message", (d) => wsEvents.push(JSON.parse(String(d))));
			await new Promise((r) => ws.on("open", r));
			try {
				const res = await postCall(t, {
					call_id: "answered-1",
					to: "+15550001",
					trunk: {
						host: "127.0.0.1",
						port: sipp.port,
						username: "alice",
						password: "s3cret",
						caller_id: "Hatch",
					},
					audio: { url: `${stub.base}/sound.wav` },
					callback_url: `${stub.base}/events`,
				});
				expect(res.status).toBe(201);
				expect(stub.audioAuth).toEqual([true]);
				const done = await waitFor(
					() => t.events.find((e) => e.call_id === "answered-1" && e.type === "completed"),
					20_000,
					"completed",
				);
				const { code, output } = await sipp.exit;
				expect(code, output).toBe(0);

				const types = t.events.filter((e) => e.call_id === "answered-1").map((e) => e.type);
				expect(types).toEqual(["trying", "ringing", "answered", "dtmf", "completed"]);
				expect(t.events.find((e) => e.type === "dtmf")?.digit).toBe("#");
				expect(done.reason).toBe("audio finished");
				expect(done.sip_code).toBe(200);
				expect(done.ring_ms).toBeGreaterThan(0); // it rang (180) before the answer
				expect(done.talk_ms).toBeGreaterThanOrEqual(SECONDS * 1000 - 40);
				// The BYE leaves the far end PLAYOUT_MS to play the last packet out (bye-playout.test.ts).
				expect(done.talk_ms).toBeLessThan(SECONDS * 1000 + PLAYOUT_MS + 400);
				expect(done.billed_s).toBe(Math.ceil((done.talk_ms ?? 0) / 1000));

				// RTP: the whole sound, 20 ms apart, numbered right. On a contended CI machine the
				// pacer may skip (never burst) a packet after a long stall: the timestamp then
				// jumps by a multiple of 160 while the sequence number stays consecutive.
				const pkts = capture.packets.filter((p) => p.pt === 0);
				expect(pkts.length).toBeGreaterThanOrEqual(SECONDS * 50 - 3);
				expect(pkts.length).toBeLessThanOrEqual(SECONDS * 50);
				expect(pkts[0].marker).toBe(true);
				expect(pkts.slice(1).every((p) => !p.marker)).toBe(true);
				for (let i = 1; i < pkts.length; i++) {
					expect((pkts[i].seq - pkts[i - 1].seq) & 0xffff).toBe(1);
					const dts = (pkts[i].ts - pkts[i - 1].ts) >>> 0;
					expect(dts % 160 === 0 && dts >= 160 && dts <= 4 * 160).toBe(true);
					expect(pkts[i].ssrc).toBe(pkts[0].ssrc);
					expect(pkts[i].payload.length).toBe(160);
				}
				expect(((pkts[pkts.length - 1].ts - pkts[0].ts) >>> 0) / 160).toBe(SECONDS * 50 - 1);
				const span = pkts[pkts.length - 1].at - pkts[0].at;
				const rate = ((SECONDS * 50 - 1) / span) * 1000;
				expect(rate).toBeGreaterThan(47);
				expect(rate).toBeLessThan(53);
				// Symmetric RTP: sent from the port advertised in our SDP, every time.
				expect(new Set(pkts.map((p) => p.from)).size).toBe(1);

				// Callback: all events, in order, signed for the Worker, despite one 503.
				await waitFor(() => stub.received.length === types.length, 5000, "callbacks");
				expect(stub.received.map((r) => r.body.seq)).toEqual([1, 2, 3, 4, 5]);
				expect(stub.received.every((r) => r.authOk)).toBe(true);
				expect(wsEvents.filter((e) => e.call_id === "answered-1").map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);

				const view = (await (
					await fetch(`${t.base}/calls/answered-1`, { headers: { authorization: `Bearer ${t.token}` } })
				).json()) as Json;
				expect(view).toMatchObject({
					call_id: "answered-1",
					state: "completed",
					to: "+15550001",
					sip_code: 200,
				});
				expect(view.answered_at).toBeTypeOf("string");
				expect(view.ended_at).toBeTypeOf("string");
				// Counters from the media thread: every packet of the sound sent or (after a stall) skipped,
				// and the far end's DTMF packets received.
				expect(view.rtp.sent).toBe(pkts.length);
				expect(view.rtp.sent + view.rtp.skipped).toBe(SECONDS * 50);
				expect(view.rtp.received).toBeGreaterThan(0);
				const health = (await (await fetch(`${t.base}/health`)).json()) as Json;
				expect(health.rtp_send).toBe(nativeSend === "on" ? "native" : "dgram");
			} finally {
				ws.close();
				capture.close();
				sipp.proc.kill();
				await stub.close();
			}
		});
	},
);

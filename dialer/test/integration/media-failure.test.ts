/**
 * If the media thread dies mid-call, the call must not linger silent until its
 * max duration: it sends BYE and completes with reason "media failure", and the
 * next call gets a fresh media thread. Against a real sipp UAS.
 */
import type { Worker } from "node:worker_threads";
import { buildWav } from "@hatch/shared/audio/wav";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postCall, startDialer, type TestDialer, waitFor } from "../helpers.ts";
import { startCapture, startSippUas, startWorkerStub } from "./harness.ts";

let t: TestDialer;
beforeAll(async () => {
	t = await startDialer();
});
afterAll(async () => {
	await t.stop();
});

const sound = buildWav(
	Int16Array.from({ length: 8000 * 30 }, (_, i) => Math.round(Math.sin(i / 10) * 8000)),
	8000,
);

describe("media thread failure", () => {
	it("ends an answered call with BYE (reason: media failure), and the next call still gets media", async () => {
		const capture = await startCapture();
		const sipp = await startSippUas("uas-auth-answer.xml", { rtpport: capture.port });
		const stub = await startWorkerStub(sound);
		try {
			const res = await postCall(t, {
				call_id: "media-dies",
				to: "+15550002",
				trunk: { host: "127.0.0.1", port: sipp.port, username: "alice", password: "s3cret" },
				audio: { url: `${stub.base}/sound.wav` },
			});
			expect(res.status).toBe(201);
			await waitFor(() => capture.packets.length >= 3, 10_000, "RTP");
			const worker = Reflect.get(t.dialer.media, "worker") as Worker;
			await worker.terminate();
			const done = await waitFor(
				() => t.events.find((e) => e.call_id === "media-dies" && e.type === "completed"),
				10_000,
				"completed",
			);
			expect(done.reason).toBe("media failure");
			const { code, output } = await sipp.exit; // the scenario ends on our BYE
			expect(code, output).toBe(0);
		} finally {
			capture.close();
			sipp.proc.kill();
		}

		const capture2 = await startCapture();
		const sipp2 = await startSippUas("uas-auth-answer.xml", { rtpport: capture2.port });
		try {
			const res = await postCall(t, {
				call_id: "media-again",
				to: "+15550003",
				trunk: { host: "127.0.0.1", port: sipp2.port, username: "alice", password: "s3cret" },
				audio: { url: `${stub.base}/sound.wav` },
			});
			expect(res.status).toBe(201);
			await waitFor(() => capture2.packets.length >= 3, 10_000, "RTP from the new media thread");
			expect(
				await fetch(`${t.base}/calls/media-again`, {
					method: "DELETE",
					headers: { authorization: `Bearer ${t.token}` },
				}).then((r) => r.status),
			).toBe(202);
			await waitFor(
				() => t.events.find((e) => e.call_id === "media-again" && e.type === "completed"),
				10_000,
				"completed",
			);
		} finally {
			capture2.close();
			sipp2.proc.kill();
			await stub.close();
		}
	});
});

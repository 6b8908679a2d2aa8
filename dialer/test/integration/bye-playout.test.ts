/**
 * The BYE after a sound waits for the far end's jitter buffer: on the wire it
 * arrives about DIALER_BYE_PLAYOUT_MS (250 ms by default) after the last RTP
 * packet, not 20-40 ms after it (where a phone's recording lost its last
 * ~90 ms). With 0 it goes at once, as before.
 */
import { buildWav } from "@hatch/shared/audio/wav";
import { afterEach, describe, expect, it } from "vitest";
import { postCall, startDialer, type TestDialer, waitFor } from "../helpers.ts";
import { startCapture, startWorkerStub } from "./harness.ts";
import { startRawUas } from "./raw-uas.ts";

const sound = buildWav(
	Int16Array.from({ length: 8000 }, (_, i) => Math.round(Math.sin(i / 7) * 8000)),
	8000,
);

/** One 1-second call; returns (BYE arrival − last RTP packet arrival) in ms and the packet count. */
async function gapAfterLastPacket(t: TestDialer, id: string): Promise<{ gap: number; packets: number }> {
	const capture = await startCapture();
	const uas = await startRawUas(capture.port);
	const stub = await startWorkerStub(sound);
	try {
		const res = await postCall(t, {
			call_id: id,
			to: "+15550002",
			trunk: { host: "127.0.0.1", port: uas.port },
			audio: { url: `${stub.base}/sound.wav` },
		});
		expect(res.status).toBe(201);
		const bye = await waitFor(() => uas.requests.find((r) => r.req.method === "BYE"), 10_000, "BYE");
		const pkts = capture.packets.filter((p) => p.pt === 0);
		return { gap: bye.at - pkts[pkts.length - 1].at, packets: pkts.length };
	} finally {
		capture.close();
		await uas.close();
		await stub.close();
	}
}

describe("BYE after the sound", () => {
	let t: TestDialer | undefined;
	afterEach(async () => {
		await t?.stop();
		t = undefined;
	});

	it("leaves the far end 250 ms (the default) after the last packet to play it out", async () => {
		t = await startDialer();
		const { gap, packets } = await gapAfterLastPacket(t, "playout-default");
		expect(packets).toBeGreaterThanOrEqual(47);
		// The BYE is due 250 ms after the last packet was due; that packet may itself
		// have left a few ms late on a busy machine, never early.
		expect(gap).toBeGreaterThanOrEqual(200);
		expect(gap).toBeLessThan(1000);
		const done = t.events.find((e) => e.call_id === "playout-default" && e.type === "completed");
		expect(done?.reason).toBe("audio finished");
	});

	it("follows DIALER_BYE_PLAYOUT_MS: 0 hangs up right after the last packet", async () => {
		t = await startDialer({ byePlayoutMs: 0 });
		const { gap } = await gapAfterLastPacket(t, "playout-zero");
		expect(gap).toBeLessThan(150);
	});

	it("a hangup requested during the playout wait sends the BYE at once", async () => {
		t = await startDialer({ byePlayoutMs: 2000 });
		const capture = await startCapture();
		const uas = await startRawUas(capture.port);
		const stub = await startWorkerStub(sound);
		try {
			await postCall(t, {
				call_id: "playout-hangup",
				to: "+15550003",
				trunk: { host: "127.0.0.1", port: uas.port },
				audio: { url: `${stub.base}/sound.wav` },
			});
			// The sound is 1 s: wait until its packets stop, then ask for the hangup.
			await waitFor(() => capture.packets.length >= 50, 5000, "the whole sound");
			const asked = performance.now();
			const del = await fetch(`${t.base}/calls/playout-hangup`, {
				method: "DELETE",
				headers: { authorization: `Bearer ${t.token}` },
			});
			expect(del.status).toBe(202);
			const bye = await waitFor(() => uas.requests.find((r) => r.req.method === "BYE"), 5000, "BYE");
			expect(bye.at - asked).toBeLessThan(500);
			const done = t.events.find((e) => e.call_id === "playout-hangup" && e.type === "completed");
			expect(done?.reason).toBe("hangup requested");
		} finally {
			capture.close();
			await uas.close();
			await stub.close();
		}
	});
});

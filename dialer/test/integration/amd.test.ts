/**
 * Answering-machine detection end to end: sipp answers and plays a greeting
 * from a pcap (RTP on the wire, as a phone or a voicemail system sends it), the
 * dialer listens from the answer and decides. A short "hello" then silence is a
 * human who hears the sound at once; a long greeting and a beep is a machine
 * that is hung up on, or hears the sound after the beep.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeUlaw } from "@hatch/shared/audio/g711";
import { buildWav } from "@hatch/shared/audio/wav";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postCall, startDialer, type TestDialer, waitFor } from "../helpers.ts";
import { startSippUas, startWorkerStub } from "./harness.ts";
import { writeRtpPcap } from "./rtp-pcap.ts";

const RATE = 8000;
type Piece = ["silence" | "voice", number] | ["beep", number, number];

/** Synthetic far-end audio: voiced stretches (a 130 Hz voice with harmonics), silence, beeps. */
function greeting(pieces: Piece[]): Int16Array {
	const out: number[] = [];
	for (const [kind, ms, hz = 1000] of pieces) {
		const n = (ms * RATE) / 1000;
		for (let i = 0; i < n; i++) {
			const t = i / RATE;
			if (kind === "silence") out.push(Math.round(Math.sin(i * 12.9898) * 30));
			else if (kind === "beep") out.push(Math.round(8000 * Math.sin(2 * Math.PI * hz * t)));
			else {
				// Syllables of ~200 ms: a voice whose loudness rises and falls.
				const env = 0.3 + 0.7 * Math.abs(Math.sin((Math.PI * t) / 0.2));
				let v = 0;
				for (let h = 1; h <= 10; h++) v += (3000 / h) * Math.sin(2 * Math.PI * 130 * h * t + h);
				out.push(Math.round(v * env));
			}
		}
	}
	return Int16Array.from(out);
}

const dir = mkdtempSync(join(tmpdir(), "hatch-amd-"));
const pcapOf = (name: string, pieces: Piece[]) => {
	const path = join(dir, `${name}.pcap`);
	writeRtpPcap(path, encodeUlaw(greeting(pieces)));
	return path;
};
const HUMAN = pcapOf("human", [
	["silence", 300],
	["voice", 500],
	["silence", 4000],
]);
const MACHINE = pcapOf("machine", [
	["silence", 300],
	["voice", 2600],
	["silence", 300],
	["beep", 500, 1000],
	["silence", 5000],
]);
const sound = buildWav(greeting([["voice", 1000]]), RATE);

describe("answering-machine detection against sipp playing a greeting", () => {
	let t: TestDialer;
	let stub: Awaited<ReturnType<typeof startWorkerStub>>;
	beforeAll(async () => {
		t = await startDialer();
		stub = await startWorkerStub(sound);
	});
	afterAll(async () => {
		await stub.close();
		await t.stop();
	});

	async function call(id: string, pcap: string, onMachine: string) {
		const sipp = await startSippUas("uas-answer-talk.xml", {}, { pcap });
		try {
			const res = await postCall(t, {
				call_id: id,
				to: "+15550100",
				trunk: { host: "127.0.0.1", port: sipp.port, codecs: ["PCMU"] },
				audio: { url: `${stub.base}/sound.wav` },
				amd: { on_machine: onMachine },
			});
			expect(res.status).toBe(201);
			const done = await waitFor(
				() => t.events.find((e) => e.call_id === id && e.type === "completed"),
				20_000,
				`${id} completed`,
			);
			const { code, output } = await sipp.exit;
			expect(code, output).toBe(0);
			return done;
		} finally {
			sipp.proc.kill();
		}
	}

	it("a short hello and silence is a human, decided in the pause, who hears the whole sound", async () => {
		const done = await call("amd-sipp-human", HUMAN, "hangup");
		expect(done).toMatchObject({ amd: "human", reason: "audio finished" });
		// 300 ms before the hello, 500 ms of it, then the 800 ms pause: ~1.6 s after the answer.
		expect(done.amd_ms).toBeGreaterThanOrEqual(1400);
		expect(done.amd_ms).toBeLessThanOrEqual(2600);
		// The 1 s sound played after the decision (and the playout wait).
		expect(done.talk_ms).toBeGreaterThanOrEqual((done.amd_ms ?? 0) + 1000);
	});

	it("a long greeting is a machine, hung up on when the campaign says so", async () => {
		const done = await call("amd-sipp-hangup", MACHINE, "hangup");
		expect(done).toMatchObject({ amd: "machine", reason: "answering machine" });
		expect(done.amd_ms).toBeGreaterThanOrEqual(1600);
		expect(done.amd_ms).toBeLessThanOrEqual(2800);
	});

	it("a machine told to 'play' hears the sound after its beep", async () => {
		const done = await call("amd-sipp-play", MACHINE, "play");
		expect(done).toMatchObject({ amd: "machine", reason: "audio finished" });
		// The beep ends 3.7 s after the answer; the 1 s sound follows it.
		expect(done.talk_ms).toBeGreaterThanOrEqual(3700 + 1000);
	});
});

/**
 * AMD bench: a labelled set of human and machine greetings (corpus.ts, made
 * with espeak-ng and sox at run time) answered by sipp, which plays each one as
 * RTP from a pcap; one dialer calls them all with detection on (on_machine
 * "hangup") and the final events say what it decided and when. In the same run
 * the same audio goes through the detector offline (a cross-check) and through a
 * naive baseline ("more than 2 s of voice in the first 5 s is a machine").
 * Measures accuracy, decision time and humans cut off mid-sentence.
 * Writes bench/results/amd.{json,md}.
 *
 *   npm run bench:amd [-- --per-label 32 --parallel 8]
 */
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildWav } from "@hatch/shared/audio/wav";
import { createDialer } from "../../dialer/src/app.ts";
import type { CallEvent } from "../../dialer/src/call/types.ts";
import { createLogger } from "../../dialer/src/log.ts";
import { writeRtpPcap } from "../../dialer/test/integration/rtp-pcap.ts";
import { corpus, type Item } from "./corpus.ts";
import { detect, naive, ulaw, type Verdict } from "./offline.ts";
import { report } from "./report.ts";

const { values } = parseArgs({
	options: {
		"per-label": { type: "string", default: "32" },
		parallel: { type: "string", default: "8" },
	},
});
const PER_LABEL = Math.max(30, Math.min(200, Number(values["per-label"]) || 32));
const PARALLEL = Math.max(1, Math.min(16, Number(values.parallel) || 8));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const log = (m: string) => process.stderr.write(`[amd] ${m}\n`);
const dir = mkdtempSync(join(tmpdir(), "hatch-bench-amd-"));
const loads = { start: loadavg()[0], end: 0 };

async function freeUdpPort(): Promise<number> {
	const s = dgram.createSocket("udp4");
	await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
	const port = s.address().port;
	await new Promise<void>((r) => s.close(() => r()));
	return port;
}

async function waitBound(port: number, ms = 5000): Promise<void> {
	const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
	for (const until = Date.now() + ms; Date.now() < until; ) {
		if (readFileSync("/proc/net/udp", "utf8").includes(hex)) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`sipp never bound ${port}`);
}

const t0 = performance.now();
const items = corpus(PER_LABEL);
log(`${items.length} greetings made in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// The dialer, in this process; the campaign's sound is half a second of tone.
const dialer = createDialer(
	{
		port: 0,
		host: "127.0.0.1",
		secret: "bench-amd-secret-0123456789abcdef",
		publicIp: "127.0.0.1",
		sipBind: "127.0.0.1",
		sipPort: 0,
		rtpPortMin: 34000,
		rtpPortMax: 34998,
		maxCalls: 64,
		sipT1Ms: 500,
		mediaNice: 0,
		mediaRealtime: 0,
		nativeSend: "auto",
		logLevel: "error",
	},
	{ log: createLogger("error") },
);
const { controlPort } = await dialer.start();
const finals = new Map<string, CallEvent>();
const broadcast = dialer.control.broadcast.bind(dialer.control);
dialer.control.broadcast = (e) => {
	if (["completed", "failed", "busy", "no_answer", "canceled"].includes(e.type)) finals.set(e.call_id, e);
	broadcast(e);
};
const token = await dialer.tokens.forDialer("1h");
const sound = buildWav(
	Int16Array.from({ length: 4000 }, (_, i) => Math.round(6000 * Math.sin(i / 4))),
	8000,
);
const audio = http.createServer((_, res) => res.writeHead(200, { "content-type": "audio/wav" }).end(sound));
await new Promise<void>((r) => audio.listen(0, "127.0.0.1", () => r()));
const audioUrl = `http://127.0.0.1:${(audio.address() as AddressInfo).port}/sound.wav`;
const scenario = readFileSync(join(ROOT, "dialer/test/sipp/uas-answer-talk.xml"), "utf8");
const children = new Set<ChildProcess>();

/** One greeting: sipp answers and plays it; the dialer calls with detection on. */
async function live(item: Item): Promise<Verdict & { outcome: string }> {
	const pcap = join(dir, `${item.name}.pcap`);
	writeRtpPcap(pcap, ulaw(item.pcm));
	const xml = join(dir, `${item.name}.xml`);
	writeFileSync(xml, scenario.replaceAll("@pcap@", pcap));
	const port = await freeUdpPort();
	const sipp = spawn(
		"sipp",
		["-sf", xml, "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-t", "u1", "-timeout", "40s", "-nostdin"],
		{ stdio: "ignore" },
	);
	children.add(sipp);
	const exited = new Promise((r) => sipp.on("exit", r));
	try {
		await waitBound(port);
		const res = await fetch(`http://127.0.0.1:${controlPort}/calls`, {
			method: "POST",
			headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
			body: JSON.stringify({
				call_id: item.name,
				to: "15550100",
				trunk: { host: "127.0.0.1", port, codecs: ["PCMU"] },
				audio: { url: audioUrl },
				amd: { on_machine: "hangup" },
				max_duration_s: 60,
				// Loopback is allowed here (a test host), as the dialer's own tests allow it.
				host_deny: "private,link-local,cgnat,multicast,reserved",
			}),
		});
		if (res.status !== 201) throw new Error(`POST /calls ${res.status} ${await res.text()}`);
		for (const until = Date.now() + 45_000; !finals.has(item.name) && Date.now() < until; )
			await new Promise((r) => setTimeout(r, 50));
		const e = finals.get(item.name);
		if (!e) return { result: "unknown", ms: Number.NaN, reason: "no final event", outcome: "none" };
		return {
			result: e.amd ?? "unknown",
			ms: e.amd_ms ?? Number.NaN,
			reason: e.reason ?? "",
			outcome: e.type,
		};
	} finally {
		await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
		sipp.kill();
		children.delete(sipp);
	}
}

const results: Array<{ item: Item; live: Verdict & { outcome: string }; offline: Verdict; naive: Verdict }> =
	[];
let next = 0;
const started = performance.now();
try {
	await Promise.all(
		Array.from({ length: PARALLEL }, async () => {
			while (next < items.length) {
				const item = items[next++];
				const a = ulaw(item.pcm);
				results.push({ item, live: await live(item), offline: detect(a), naive: naive(a) });
			}
		}),
	);
	loads.end = loadavg()[0];
	log(`${results.length} calls in ${((performance.now() - started) / 1000).toFixed(1)} s`);
	report(results, { perLabel: PER_LABEL, parallel: PARALLEL, loads, node: process.version });
} finally {
	for (const c of children) c.kill("SIGKILL");
	audio.close();
	await dialer.stop(2000);
}
process.exit(0);

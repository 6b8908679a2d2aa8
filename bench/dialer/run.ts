/**
 * Dialer bench: K concurrent calls from one dialer process to a sipp UAS on
 * loopback, then the same K calls with sipp itself as the caller streaming the
 * same sound (rtp_stream), in one run. Measures call setup rate, RTP receive
 * jitter (kernel timestamps from a dumpcap capture, plus a user-space sink) and
 * CPU per call of every process involved. Writes bench/results/dialer.{json,md}.
 *
 *   npm run bench:dialer -- [--calls 1000] [--seconds 20] [--media-nice=-10] [--media-rt 5] [--dgram 1] [--dgram-first 0]
 *                           [--io-uring auto|off] [--rtp-base 30000] [--send-clock auto|off] [--send-rt 10] [--floor-spin 50]
 *
 * The dialer runs twice: as shipped (the native RTP sender), then with
 * DIALER_NATIVE_SEND=off (dgram sends), so both paths meet the same sipp run.
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encodeUlaw } from "@hatch/shared/audio/g711";
import { buildWav } from "@hatch/shared/audio/wav";
import WebSocket from "ws";
import { TokenService } from "../../dialer/src/control/auth.ts";
import { cpuSeconds } from "../lib/proc.ts";
import { analyse, type JitterStats } from "./pcap.ts";
import { uacXml, uasXml } from "./scenarios.ts";
import { diffThreads, threadCpu } from "./threads.ts";

const { values } = parseArgs({
	options: {
		calls: { type: "string", default: "1000" },
		seconds: { type: "string", default: "20" },
		"quiet-wait": { type: "string", default: "120" },
		// The dialer's media thread nice value (DIALER_MEDIA_NICE); 0 = not raised.
		"media-nice": { type: "string", default: "-10" },
		// SCHED_FIFO priority for the media thread (DIALER_MEDIA_RT_PRIORITY); 0 = off.
		"media-rt": { type: "string", default: "5" },
		// A second dialer phase with DIALER_NATIVE_SEND=off (the dgram path); 0 skips it.
		dgram: { type: "string", default: "1" },
		// Run the dgram phase before the shipped one (to check the order does not favour either).
		"dgram-first": { type: "string", default: "0" },
		// The native sender's batches: io_uring (auto, as shipped) or one send() per packet (off).
		"io-uring": { type: "string", default: "auto" },
		// First RTP port of the dialer phases; sipp's streams start above theirs.
		"rtp-base": { type: "string", default: "30000" },
		// A phase with floor.c, a minimal C sender of the same packets (what the host allows anyone).
		floor: { type: "string", default: "1" },
		// The dialer's native send clock (DIALER_SEND_CLOCK auto|off) and its SCHED_FIFO priority
		// (DIALER_SEND_RT_PRIORITY; the floor's thread gets the same, 0 = nice only).
		"send-clock": { type: "string", default: "auto" },
		"send-rt": { type: "string", default: "10" },
		// The floor's spin before each deadline (µs), as the send clock's.
		"floor-spin": { type: "string", default: "50" },
	},
});
const K = Math.max(1, Math.min(2000, Number(values.calls)));
const SECONDS = Math.max(8, Math.min(120, Number(values.seconds)));
const MEDIA_RT = Math.max(0, Math.min(99, Math.trunc(Number(values["media-rt"])) || 0));
const MEDIA_NICE = Math.max(-20, Math.min(0, Math.trunc(Number(values["media-nice"])) || 0));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE = process.execPath;
const SECRET = "bench-dialer-secret-0123456789abcdef";
const DGRAM_PHASE = values.dgram !== "0";
const DGRAM_FIRST = DGRAM_PHASE && values["dgram-first"] === "1";
const IO_URING = values["io-uring"] === "off" ? "off" : "auto";
const RTP_BASE = Math.max(1024, Math.min(60000, Math.trunc(Number(values["rtp-base"])) || 30000));
// Each dialer phase binds its own RTP range, so the capture tells their streams apart.
// K = 1000 without the dgram phase fits 30000-34400: dialer, sipp, floor, then dgram.
const DIALER_RTP = [RTP_BASE, RTP_BASE + 2 * K + 100];
const SIPP_RTP = DIALER_RTP[1] + 100; // sipp -mp: rtp_stream sends every call from this one port
const SIPP_SPAN = 100;
// The floor (floor.c): the same packets from a minimal C sender, in the same run.
const FLOOR_RTP = [SIPP_RTP + SIPP_SPAN + 100, SIPP_RTP + SIPP_SPAN + 100 + 2 * K];
const DGRAM_RTP = [FLOOR_RTP[1] + 100, FLOOR_RTP[1] + 200 + 2 * K];
const FLOOR = values.floor !== "0";
const SEND_CLOCK = values["send-clock"] === "off" ? "off" : "auto";
const SEND_RT = Math.max(0, Math.min(99, Math.trunc(Number(values["send-rt"])) || 0));
const FLOOR_SPIN = Math.max(0, Math.min(1000, Math.trunc(Number(values["floor-spin"])) || 0));
const dir = mkdtempSync(join(tmpdir(), "hatch-bench-"));
const children: ChildProcess[] = [];
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(kind: "udp" | "tcp"): Promise<number> {
	if (kind === "tcp") {
		const s = net.createServer();
		await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
		const p = (s.address() as net.AddressInfo).port;
		await new Promise((r) => s.close(r));
		return p;
	}
	const s = dgram.createSocket("udp4");
	await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
	const p = s.address().port;
	await new Promise<void>((r) => s.close(() => r()));
	return p;
}

async function waitBound(port: number, table = "/proc/net/udp", ms = 10_000): Promise<void> {
	const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (readFileSync(table, "utf8").includes(hex)) {
			await sleep(200);
			return;
		}
		await sleep(25);
	}
	throw new Error(`port ${port} never bound`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
	const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env });
	let err = "";
	p.stderr?.on("data", (d) => {
		err = (err + d).slice(-4000);
	});
	p.on("exit", (code) => {
		if (code && code !== 0) log(`${cmd} exited ${code}: ${err.slice(-800)}`);
	});
	children.push(p);
	return p;
}

const exited = (p: ChildProcess, ms: number) =>
	new Promise<boolean>((resolve) => {
		if (p.exitCode !== null) return resolve(true);
		const t = setTimeout(() => resolve(false), ms);
		p.once("exit", () => {
			clearTimeout(t);
			resolve(true);
		});
	});

// The machine is shared: wait (bounded) for the 1-minute load to drop, and record it either way.
const quietUntil = Date.now() + Number(values["quiet-wait"]) * 1000;
while (loadavg()[0] > 1.5 && Date.now() < quietUntil) await sleep(2000);
const loads: Record<string, number> = { start: loadavg()[0] };

// The sound: a two-tone signal, written as WAV for the dialer and raw µ-law for sipp.
const pcm = Int16Array.from({ length: 8000 * SECONDS }, (_, i) =>
	Math.round(6000 * Math.sin(i / 5) + 3000 * Math.sin(i / 13)),
);
const wav = buildWav(pcm, 8000);
const rawPath = join(dir, "sound.ulaw");
writeFileSync(rawPath, encodeUlaw(pcm));

// Sink, capture.
const sink = fork(fileURLToPath(new URL("./sink.ts", import.meta.url)), [], {
	execPath: NODE,
	stdio: ["ignore", "ignore", "inherit", "ipc"],
});
children.push(sink);
const ask = <T>(type: string, reply: string) =>
	new Promise<T>((resolve) => {
		const on = (m: { type: string }) => {
			if (m.type === reply) {
				sink.off("message", on);
				resolve(m as T);
			}
		};
		sink.on("message", on);
		sink.send({ type });
	});
const sinkPort = await new Promise<number>((resolve) =>
	sink.once("message", (m: { port: number }) => resolve(m.port)),
);
const pcapPath = join(dir, "rtp.pcap");
const dumpcap = run("dumpcap", [
	"-q",
	"-i",
	"lo",
	"-f",
	`udp and dst port ${sinkPort}`,
	"-s",
	"64",
	"-B",
	"256",
	"-P",
	"-w",
	pcapPath,
]);
await sleep(1500);
log(`K=${K} seconds=${SECONDS} sink=${sinkPort} capture=${pcapPath}`);

interface PhaseResult {
	caller: string;
	setupSeconds: number;
	setupRate: number;
	answered: number;
	windowSeconds: number;
	cpu: Record<string, { windowCpuS: number; totalCpuS: number }>;
	callerCpuPerCallPct: number;
	callerTotalCpuMsPerCall: number;
	/** The caller's CPU seconds over the whole calls by thread (dialer only). */
	callerThreads?: Record<string, number>;
	/** How the dialer sent RTP, from its /health (dialer only). */
	rtpSend?: string;
	/** The native send clock, from its /health (dialer only; absent: the pacer timed packets). */
	rtpClock?: string;
	sink: Record<string, number>;
}

// ---- Phase 1: the dialer as caller (native sends, then dgram sends) ----
async function dialerPhase(native: boolean, rtp: number[]): Promise<PhaseResult> {
	await ask("reset", "reset-done");
	const uasPort = await freePort("udp");
	const uasFile = join(dir, "uas1.xml");
	writeFileSync(uasFile, uasXml(sinkPort));
	const uas = run("sipp", [
		"-sf",
		uasFile,
		"-i",
		"127.0.0.1",
		"-p",
		String(uasPort),
		"-t",
		"u1",
		"-m",
		String(K),
		"-nostdin",
		"-timeout",
		`${SECONDS + 120}s`,
	]);
	await waitBound(uasPort);
	const audioServer = http.createServer((req, res) => {
		// The headers the Worker's dialer audio URL sends (src/routes/dialer-callbacks.ts).
		const cache = { etag: '"v1"', "cache-control": "private, max-age=3600" };
		if (req.headers["if-none-match"] === '"v1"') return res.writeHead(304, cache).end();
		res.writeHead(200, { "content-type": "audio/wav", ...cache }).end(Buffer.from(wav));
	});
	await new Promise<void>((r) => audioServer.listen(0, "127.0.0.1", () => r()));
	const audioUrl = `http://127.0.0.1:${(audioServer.address() as net.AddressInfo).port}/sound.wav`;
	const controlPort = await freePort("tcp");
	const dialer = run(NODE, [join(ROOT, "dialer/src/main.ts")], {
		...process.env,
		DIALER_SECRET: SECRET,
		DIALER_PORT: String(controlPort),
		DIALER_SIP_PORT: String(await freePort("udp")),
		DIALER_RTP_PORT_MIN: String(rtp[0]),
		DIALER_RTP_PORT_MAX: String(rtp[1]),
		// Shipped: the native sender, required (the bench must not measure a fallback by accident).
		DIALER_NATIVE_SEND: native ? "on" : "off",
		DIALER_IO_URING: IO_URING,
		DIALER_SEND_CLOCK: SEND_CLOCK,
		DIALER_SEND_RT_PRIORITY: String(SEND_RT),
		DIALER_MAX_CALLS: String(K),
		DIALER_MEDIA_NICE: String(MEDIA_NICE),
		DIALER_MEDIA_RT_PRIORITY: String(MEDIA_RT),
		DIALER_LOG_LEVEL: "error",
	});
	// A dialer starting on a busy machine (its media and conversion threads) can take a while.
	await waitBound(controlPort, "/proc/net/tcp", 60_000);
	const health = (await (await fetch(`http://127.0.0.1:${controlPort}/health`)).json()) as {
		rtp_send?: string;
		rtp_clock?: string;
	};
	const token = await new TokenService(SECRET).forDialer("1h");
	let answered = 0;
	let ended = 0;
	let lastAnswerAt = 0;
	const ws = new WebSocket(`ws://127.0.0.1:${controlPort}/events`, {
		headers: { authorization: `Bearer ${token}` },
	});
	ws.on("message", (d) => {
		const e = JSON.parse(String(d));
		if (e.type === "answered") {
			answered++;
			lastAnswerAt = performance.now();
		}
		if (["completed", "failed", "busy", "no_answer", "canceled"].includes(e.type)) ended++;
	});
	await new Promise((r) => ws.on("open", r));
	const cpu0 = { dialer: cpuSeconds([dialer.pid]), uas: cpuSeconds([uas.pid]) };
	const threads0 = threadCpu(dialer.pid);
	const t0 = performance.now();
	let next = 0;
	const failures: string[] = [];
	const worker = async () => {
		while (next < K) {
			const i = next++;
			// A refused or reset connection (a busy machine) is a failed call, not a failed run.
			const r = await fetch(`http://127.0.0.1:${controlPort}/calls`, {
				method: "POST",
				headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
				body: JSON.stringify({
					call_id: `bench-${i}`,
					to: `1555${String(i).padStart(6, "0")}`,
					trunk: { host: "127.0.0.1", port: uasPort, codecs: ["PCMU"] },
					audio: { url: audioUrl },
					max_duration_s: SECONDS + 60,
					// The UAS is on loopback: the Worker's development deny list.
					host_deny: "private,link-local,cgnat,multicast,reserved",
				}),
			}).catch((err: Error) => err);
			if (r instanceof Error) failures.push(`fetch: ${r.message}`);
			else if (r.status !== 201) failures.push(`${r.status} ${await r.text()}`);
			else await r.body?.cancel();
		}
	};
	await Promise.all(Array.from({ length: 32 }, worker));
	if (failures.length) log(`dialer refused ${failures.length} calls, first: ${failures[0]}`);
	const deadline = performance.now() + 30_000;
	while (answered < K - failures.length && performance.now() < deadline) await sleep(20);
	const setupSeconds = (lastAnswerAt - t0) / 1000;
	log(`dialer: ${answered} answered in ${setupSeconds.toFixed(2)} s`);
	const windowSeconds = await steadyWindow(setupSeconds);
	await sleep(1000);
	const w0 = { dialer: cpuSeconds([dialer.pid]), uas: cpuSeconds([uas.pid]), sink: await sinkCpu() };
	await sleep(windowSeconds * 1000);
	const w1 = { dialer: cpuSeconds([dialer.pid]), uas: cpuSeconds([uas.pid]), sink: await sinkCpu() };
	const endDeadline = performance.now() + (SECONDS + 60) * 1000;
	while (ended < answered && performance.now() < endDeadline) await sleep(50);
	const total = { dialer: cpuSeconds([dialer.pid]) - cpu0.dialer, uas: cpuSeconds([uas.pid]) - cpu0.uas };
	const callerThreads = diffThreads(threads0, threadCpu(dialer.pid));
	log(`dialer CPU by thread over the whole calls (s): ${JSON.stringify(callerThreads)}`);
	ws.close();
	dialer.kill("SIGTERM");
	await exited(dialer, 20_000);
	await exited(uas, 10_000);
	uas.kill();
	audioServer.close();
	const sinkReport = await ask<Record<string, number>>("report", "report");
	return {
		caller: `hatch dialer (node, ${health.rtp_send} sends)`,
		rtpSend: health.rtp_send,
		rtpClock: health.rtp_clock,
		setupSeconds,
		setupRate: answered / setupSeconds,
		answered,
		windowSeconds,
		cpu: {
			caller: { windowCpuS: w1.dialer - w0.dialer, totalCpuS: total.dialer },
			uas: { windowCpuS: w1.uas - w0.uas, totalCpuS: total.uas },
			sink: { windowCpuS: w1.sink - w0.sink, totalCpuS: 0 },
		},
		callerCpuPerCallPct: ((w1.dialer - w0.dialer) / windowSeconds / K) * 100,
		callerTotalCpuMsPerCall: (total.dialer / K) * 1000,
		callerThreads,
		sink: sinkReport,
	};
}

async function sinkCpu(): Promise<number> {
	const r = await ask<{ cpu: { user: number; system: number } }>("report", "report");
	return (r.cpu.user + r.cpu.system) / 1e6;
}

/** The measurement window: the streaming time left once every call is up, minus margins. */
async function steadyWindow(setupSeconds: number): Promise<number> {
	return Math.max(2, Math.min(10, SECONDS - setupSeconds - 4));
}

/**
 * A child's CPU seconds as last read before it exited (/proc forgets a process
 * once it is gone, so it is read every `everyMs` until then).
 */
async function cpuUntilExit(p: ChildProcess, ms: number, everyMs: number): Promise<number> {
	let cpu = cpuSeconds([p.pid]);
	const watcher = setInterval(() => {
		const c = cpuSeconds([p.pid]);
		if (c > 0) cpu = c;
	}, everyMs);
	await exited(p, ms);
	clearInterval(watcher);
	return cpu;
}

// ---- Phase 3: the floor, a minimal C sender pacing the same packets ----
async function floorPhase(): Promise<{ cpuS: number; msPerCall: number } | undefined> {
	const bin = join(dir, "floor");
	try {
		execFileSync(process.env.CC || "cc", [
			"-O2",
			"-o",
			bin,
			fileURLToPath(new URL("./floor.c", import.meta.url)),
		]);
	} catch (err) {
		log(`floor: no C compiler (${(err as Error).message.split("\n")[0]}); phase skipped`);
		return undefined;
	}
	await ask("reset", "reset-done");
	const p = run(bin, [
		String(sinkPort),
		String(K),
		String(SECONDS),
		String(FLOOR_RTP[0]),
		String(MEDIA_NICE),
		String(SEND_RT),
		String(FLOOR_SPIN),
	]);
	const cpu = await cpuUntilExit(p, (SECONDS + 30) * 1000, 100);
	return { cpuS: cpu, msPerCall: (cpu / K) * 1000 };
}

// ---- Phase 2: sipp as caller ----
async function sippPhase(dialerSetupSeconds: number): Promise<PhaseResult> {
	await ask("reset", "reset-done");
	const uasPort = await freePort("udp");
	const uasFile = join(dir, "uas2.xml");
	writeFileSync(uasFile, uasXml(sinkPort));
	const uas = run("sipp", [
		"-sf",
		uasFile,
		"-i",
		"127.0.0.1",
		"-p",
		String(uasPort),
		"-t",
		"u1",
		"-m",
		String(K),
		"-nostdin",
		"-timeout",
		`${SECONDS + 120}s`,
	]);
	await waitBound(uasPort);
	const uacFile = join(dir, "uac.xml");
	writeFileSync(uacFile, uacXml(rawPath, SECONDS * 1000));
	// Same offered load as the dialer saw: as fast as sipp will go (capped at 1000 calls/s).
	const uacPort = await freePort("udp");
	const t0 = performance.now();
	const uac = run("sipp", [
		`127.0.0.1:${uasPort}`,
		"-sf",
		uacFile,
		"-i",
		"127.0.0.1",
		"-p",
		String(uacPort),
		"-t",
		"u1",
		"-m",
		String(K),
		"-l",
		String(K),
		"-r",
		"1000",
		"-mp",
		String(SIPP_RTP),
		"-nostdin",
		"-timeout",
		`${SECONDS + 120}s`,
	]);
	const cpu0 = { uac: 0, uas: cpuSeconds([uas.pid]) };
	// Setup is seen from the receiver: the first packet of the K-th stream.
	const deadline = performance.now() + 60_000;
	let streams = 0;
	while (performance.now() < deadline) {
		streams = (await ask<{ streams: number }>("streams", "streams")).streams;
		if (streams >= K) break;
		await sleep(20);
	}
	const setupSeconds = (performance.now() - t0) / 1000;
	log(`sipp: ${streams} streams up in ${setupSeconds.toFixed(2)} s`);
	const windowSeconds = await steadyWindow(Math.max(setupSeconds, dialerSetupSeconds));
	await sleep(1000);
	const w0 = { uac: cpuSeconds([uac.pid]), uas: cpuSeconds([uas.pid]), sink: await sinkCpu() };
	await sleep(windowSeconds * 1000);
	const w1 = { uac: cpuSeconds([uac.pid]), uas: cpuSeconds([uas.pid]), sink: await sinkCpu() };
	const totalUac = await cpuUntilExit(uac, (SECONDS + 60) * 1000, 200);
	await exited(uas, 10_000);
	uas.kill();
	uac.kill();
	const sinkReport = await ask<Record<string, number>>("report", "report");
	return {
		caller: "sipp 3.6.1 (C++, rtp_stream)",
		setupSeconds,
		setupRate: streams / setupSeconds,
		answered: streams,
		windowSeconds,
		cpu: {
			caller: { windowCpuS: w1.uac - w0.uac, totalCpuS: totalUac - cpu0.uac },
			uas: { windowCpuS: w1.uas - w0.uas, totalCpuS: cpuSeconds([uas.pid]) - cpu0.uas },
			sink: { windowCpuS: w1.sink - w0.sink, totalCpuS: 0 },
		},
		callerCpuPerCallPct: ((w1.uac - w0.uac) / windowSeconds / K) * 100,
		callerTotalCpuMsPerCall: ((totalUac - cpu0.uac) / K) * 1000,
		sink: sinkReport,
	};
}

let exitCode = 0;
try {
	const phases: Array<[string, () => Promise<PhaseResult>]> = [
		["afterDialer", () => dialerPhase(true, DIALER_RTP)],
	];
	if (DGRAM_PHASE)
		phases[DGRAM_FIRST ? "unshift" : "push"](["afterDgram", () => dialerPhase(false, DGRAM_RTP)]);
	const results: Record<string, PhaseResult> = {};
	for (const [name, phase] of phases) {
		results[name] = await phase();
		loads[name] = loadavg()[0];
		await sleep(1000);
	}
	const dialerResult = results.afterDialer;
	const dgramResult = results.afterDgram as PhaseResult | undefined;
	const sippResult = await sippPhase(dialerResult.setupSeconds);
	loads.afterSipp = loadavg()[0];
	const floorResult = FLOOR ? await floorPhase() : undefined;
	loads.afterFloor = loadavg()[0];
	await sleep(1000);
	dumpcap.kill("SIGINT");
	await exited(dumpcap, 10_000);
	const jitter = analyse(pcapPath, sinkPort, (src) =>
		src >= DIALER_RTP[0] && src <= DIALER_RTP[1]
			? "dialer"
			: src >= DGRAM_RTP[0] && src <= DGRAM_RTP[1]
				? "dgram"
				: src >= SIPP_RTP && src < SIPP_RTP + SIPP_SPAN
					? "sipp"
					: src >= FLOOR_RTP[0] && src <= FLOOR_RTP[1]
						? "floor"
						: undefined,
	);
	report(dialerResult, dgramResult, sippResult, jitter, floorResult);
} catch (err) {
	log(`failed: ${(err as Error).stack}`);
	exitCode = 1;
} finally {
	sink.send({ type: "exit" });
	for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
}
process.exit(exitCode);

function report(
	d: PhaseResult,
	g: PhaseResult | undefined,
	s: PhaseResult,
	j: Record<string, JitterStats>,
	floor: { cpuS: number; msPerCall: number } | undefined,
): void {
	const jd = j.dialer;
	const jg = j.dgram;
	const js = j.sipp;
	const r = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : Number.NaN);
	const f = (n: number | undefined, digits = 2) =>
		n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "n/a";
	/** One row: label, then dialer / dgram / sipp figures, then ratios to sipp where `ratio`. */
	const row = (
		label: string,
		pick: (p: PhaseResult, j?: JitterStats) => number | undefined,
		digits: number,
		ratio = true,
	) => {
		const [a, b, c] = [pick(d, jd), g && pick(g, jg), pick(s, js)];
		const cells = [label, f(a, digits), ...(g ? [f(b, digits)] : []), f(c, digits), ratio ? f(r(a, c)) : ""];
		if (g) cells.push(ratio ? f(r(b, c)) : "");
		return cells;
	};
	const rows = [
		row("concurrent calls", (p) => p.answered, 0, false),
		row("call setup rate (calls/s)", (p) => p.setupRate, 1),
		row("RTP jitter p50 (ms, kernel ts)", (_, x) => x?.p50, 3),
		row("RTP jitter p99 (ms, kernel ts)", (_, x) => x?.p99, 3),
		row("RTP jitter p99.9 (ms, kernel ts)", (_, x) => x?.p999, 3),
		row("RTP jitter max (ms, kernel ts)", (_, x) => x?.max, 3, false),
		row("RTP jitter p99 (ms, sink process)", (p) => p.sink.p99, 3, false),
		row(`packets per stream (expected ${SECONDS * 50})`, (_, x) => x?.meanPacketsPerStream, 1, false),
		row("caller CPU per call, steady (% of a core)", (p) => p.callerCpuPerCallPct, 3),
		row("caller CPU per call, whole call (ms)", (p) => p.callerTotalCpuMsPerCall, 1),
		row("sipp UAS CPU in window (s)", (p) => p.cpu.uas.windowCpuS, 2, false),
		row("sink CPU in window (s)", (p) => p.cpu.sink.windowCpuS, 2, false),
		row("steady window (s)", (p) => p.windowSeconds, 1, false),
	];
	const wholeRatio = r(d.callerTotalCpuMsPerCall, s.callerTotalCpuMsPerCall);
	const steadyRatio = r(d.callerCpuPerCallPct, s.callerCpuPerCallPct);
	const targets = {
		concurrent1000: d.answered >= 1000,
		jitterP99Le1ms: (jd?.p99 ?? Number.POSITIVE_INFINITY) <= 1,
		jitterP999Le5ms: (jd?.p999 ?? Number.POSITIVE_INFINITY) <= 5,
		// "CPU per call" is the whole call (setup, streaming, teardown); the steady
		// window alone leaves out the per-call work of the dialer (HTTP, JWT, SIP, events).
		cpuPerCallLe1xSipp: wholeRatio <= 1.0,
		cpuSteadyLe1xSipp: steadyRatio <= 1.0,
		// The targets are judged on the dialer as shipped: it must really have sent natively.
		nativeSend: d.rtpSend === "native",
	};
	const threads = (p: PhaseResult) =>
		Object.entries(p.callerThreads ?? {})
			.map(([k, v]) => `${k} ${v.toFixed(2)}`)
			.join(", ");
	const header = g
		? [
				"| metric | dialer | dialer, dgram sends | sipp | dialer/sipp | dgram/sipp |",
				"| --- | ---: | ---: | ---: | ---: | ---: |",
			]
		: ["| metric | dialer | sipp | dialer/sipp |", "| --- | ---: | ---: | ---: |"];
	const md = [
		`# Dialer bench (${new Date().toISOString()})`,
		"",
		`K = ${K} concurrent calls, ${SECONDS} s sound (G.711 µ-law, 20 ms packets), loopback, ${process.platform} ${readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.*)/)?.[1] ?? ""}, ${readFileSync("/proc/cpuinfo", "utf8").match(/^processor/gm)?.length ?? "?"} CPUs, node ${process.version}.`,
		`Machine load (1-min average): ${loads.start.toFixed(2)} at start, ${loads.afterDialer.toFixed(2)} after the dialer phase${g ? `, ${loads.afterDgram.toFixed(2)} after the dgram phase (run ${DGRAM_FIRST ? "first" : "second"})` : ""}, ${loads.afterSipp.toFixed(2)} after the sipp phase${loads.afterFloor !== undefined ? `, ${loads.afterFloor.toFixed(2)} after the floor` : ""} (other work shares these CPUs).`,
		`Dialer media thread nice value asked: ${MEDIA_NICE}${MEDIA_NICE === 0 ? " (priority not raised)" : process.getuid?.() === 0 ? " (bench runs as root: applied)" : " (needs CAP_SYS_NICE)"}; SCHED_FIFO priority asked: ${MEDIA_RT || "none"}.`,
		`Dialer RTP sends (its /health): ${d.rtpSend}, batches through ${IO_URING === "off" ? "one send() per packet (DIALER_IO_URING=off)" : "io_uring where the kernel allows (DIALER_IO_URING=auto)"}; ${d.rtpClock ? `every packet built and sent by the native send clock's streams, no JS per packet (${d.rtpClock}; DIALER_SEND_RT_PRIORITY=${SEND_RT})` : "timed by the JS pacer (no send clock)"}${g ? `; second phase (DIALER_NATIVE_SEND=off): ${g.rtpSend}` : ""}.`,
		"Receiver: one UDP sink process; jitter = |inter-arrival − 20 ms| over consecutive packets of each stream, from dumpcap's kernel timestamps.",
		"",
		...header,
		...rows.map((x) => `| ${x.join(" | ")} |`),
		"",
		`Dialer CPU over the whole calls by thread (s): ${threads(d)}${g ? `; dgram phase: ${threads(g)}` : ""}.`,
		"",
		j.floor
			? `Floor (floor.c: the same ${K} streams from one C thread, clock_nanosleep to ${FLOOR_SPIN} µs before each 2 ms step and a spin to it, a send() per packet, ${SEND_RT ? `SCHED_FIFO ${SEND_RT} where allowed, else ` : ""}nice ${MEDIA_NICE}, memory locked, no SIP): jitter p50 ${f(j.floor.p50, 3)} / p99 ${f(j.floor.p99, 3)} / p99.9 ${f(j.floor.p999, 3)} / max ${f(j.floor.max, 3)} ms, ${f(j.floor.meanPacketsPerStream, 1)} packets per stream, CPU ${f(floor?.msPerCall, 1)} ms per call (streaming only). The dialer's jitter ÷ the floor's: p99 ${f(r(jd?.p99, j.floor.p99))}, p99.9 ${f(r(jd?.p999, j.floor.p999))}.`
			: "Floor: not run.",
		"",
		`Targets: 1,000 concurrent ${targets.concurrent1000 ? "met" : "NOT met"}; jitter p99 ≤ 1 ms ${targets.jitterP99Le1ms ? "met" : "NOT met"}, p99.9 ≤ 5 ms ${targets.jitterP999Le5ms ? "met" : "NOT met"}; CPU per call (whole call) ≤ 1.0× sipp ${targets.cpuPerCallLe1xSipp ? "met" : "NOT met"} (${f(wholeRatio)}×; steady window ${f(steadyRatio)}×, ${targets.cpuSteadyLe1xSipp ? "met" : "NOT met"})${targets.nativeSend ? "" : "; the dialer did NOT send natively, so this run does not judge the shipped path"}. Load above 1.5 makes these figures provisional: other work shared the 2 CPUs.`,
		"",
	].join("\n");
	console.log(md);
	const results = fileURLToPath(new URL("../results/", import.meta.url));
	writeFileSync(
		join(results, "dialer.json"),
		`${JSON.stringify({ at: new Date().toISOString(), calls: K, seconds: SECONDS, ioUring: IO_URING, sendClock: SEND_CLOCK, sendRealtime: SEND_RT, floorSpinUs: FLOOR_SPIN, floor, mediaNice: MEDIA_NICE, mediaRealtime: MEDIA_RT, dgramFirst: DGRAM_FIRST, loadavg1m: loads, dialer: d, dialerDgram: g, sipp: s, jitter: j, targets }, null, 2)}\n`,
	);
	writeFileSync(join(results, "dialer.md"), md);
}

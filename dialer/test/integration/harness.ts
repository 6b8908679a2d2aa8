/**
 * Integration plumbing: a real sipp on loopback, an RTP capture socket standing
 * in for the far end's media, and a callback/audio HTTP server.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jwtVerify } from "jose";
import { buildDtmf, parseRtp, type RtpPacket, writeHeader } from "../../src/rtp/packet.ts";
import { SECRET } from "../helpers.ts";

const SCENARIOS = fileURLToPath(new URL("../sipp/", import.meta.url));

/** Fail (never skip) when sipp is not installed. */
export function requireSipp(): string {
	const r = spawnSync("sipp", ["-v"], { encoding: "utf8" });
	if (r.error || !/SIPp v\d/.test(`${r.stdout}${r.stderr}`))
		throw new Error("sipp (Debian package sip-tester) is required for the dialer integration tests");
	return "sipp";
}

/** A free loopback UDP port (bind, read, close). */
export async function freeUdpPort(): Promise<number> {
	const s = dgram.createSocket("udp4");
	await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
	const port = s.address().port;
	await new Promise<void>((r) => s.close(() => r()));
	return port;
}

/** Wait until something has bound UDP `port` (sipp takes a moment to start). */
export async function waitUdpBound(port: number, ms = 5000, table = "/proc/net/udp"): Promise<void> {
	const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
	const until = Date.now() + ms;
	while (Date.now() < until) {
		if (readFileSync(table, "utf8").includes(hex)) {
			// Bound is not yet reading: give its event loop a moment.
			await new Promise((r) => setTimeout(r, 200));
			return;
		}
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`nothing bound UDP port ${port} within ${ms} ms`);
}

/** A running sipp UAS. */
export interface Sipp {
	port: number;
	proc: ChildProcess;
	exit: Promise<{ code: number | null; output: string }>;
	/** What sipp wrote to its error file (-trace_err): unexpected messages and the like. */
	errors(): string;
}

/** Start sipp as UAS with `scenario` and `-set` variables; one call, bounded in time. */
export async function startSippUas(
	scenario: string,
	vars: Record<string, string | number> = {},
	template: Record<string, string | number> = {},
	transport: "u1" | "t1" = "u1",
	/** More sipp arguments (e.g. -default_behaviors). */
	extra: string[] = [],
): Promise<Sipp> {
	const bin = requireSipp();
	const port = await freeUdpPort();
	let file = `${SCENARIOS}${scenario}`;
	if (Object.keys(template).length > 0) {
		let xml = readFileSync(file, "utf8");
		for (const [k, v] of Object.entries(template)) xml = xml.replaceAll(`@${k}@`, String(v));
		file = join(tmpdir(), `hatch-${port}-${scenario}`);
		writeFileSync(file, xml);
	}
	const errorFile = join(tmpdir(), `sipp-${port}.err`);
	const args = [
		"-sf",
		file,
		"-i",
		"127.0.0.1",
		"-p",
		String(port),
		"-m",
		"1",
		"-t",
		transport,
		"-timeout",
		"20s",
		"-timeout_error",
		"-nostdin",
		"-trace_err",
		"-error_file",
		errorFile,
	];
	for (const [k, v] of Object.entries(vars)) args.push("-set", k, String(v));
	args.push(...extra);
	const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
	let output = "";
	proc.stdout?.on("data", (d) => {
		output = (output + d).slice(-20000);
	});
	proc.stderr?.on("data", (d) => {
		output = (output + d).slice(-20000);
	});
	const exit = new Promise<{ code: number | null; output: string }>((resolve) =>
		proc.on("exit", (code) => resolve({ code, output })),
	);
	await waitUdpBound(port, 5000, transport === "t1" ? "/proc/net/tcp" : "/proc/net/udp");
	const errors = () => {
		try {
			return readFileSync(errorFile, "utf8");
		} catch {
			return "";
		}
	};
	return { port, proc, exit, errors };
}

/** A received RTP packet with its arrival time. */
export interface Captured extends RtpPacket {
	at: number;
	from: number;
}

/** A UDP socket collecting RTP; optionally answers the first packet with a DTMF digit. */
export async function startCapture(
	opts: { dtmfEvent?: number } = {},
): Promise<{ port: number; packets: Captured[]; close(): void }> {
	const socket = dgram.createSocket("udp4");
	const packets: Captured[] = [];
	let sentDtmf = false;
	socket.on("message", (buf, rinfo) => {
		const p = parseRtp(buf);
		if (!p) return;
		packets.push({ ...p, payload: Buffer.from(p.payload), at: performance.now(), from: rinfo.port });
		if (opts.dtmfEvent !== undefined && !sentDtmf) {
			sentDtmf = true;
			// Start, update and three end packets share one timestamp: one digit.
			const durations = [160, 320, 480, 480, 480];
			durations.forEach((d, i) => {
				const pkt = Buffer.alloc(16);
				writeHeader(pkt, 101, 1000 + i, 8000, 0x1234, i === 0);
				Buffer.from(buildDtmf({ event: opts.dtmfEvent ?? 0, end: i >= 2, volume: 10, duration: d })).copy(
					pkt,
					12,
				);
				socket.send(pkt, rinfo.port, rinfo.address);
			});
		}
	});
	await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
	return { port: socket.address().port, packets, close: () => socket.close() };
}

/** An HTTP server that serves one audio file and collects callback events. */
export async function startWorkerStub(audio: Uint8Array, opts: { failFirst?: number } = {}) {
	const key = new TextEncoder().encode(SECRET);
	const received: Array<{ body: Record<string, unknown>; authOk: boolean }> = [];
	const audioAuth: boolean[] = [];
	let failures = opts.failFirst ?? 0;
	const verify = async (h: string | undefined) => {
		try {
			await jwtVerify((h ?? "").replace(/^Bearer /, ""), key, {
				audience: "hatch-worker",
				issuer: "hatch-dialer",
			});
			return true;
		} catch {
			return false;
		}
	};
	const server = http.createServer(async (req, res) => {
		const authOk = await verify(req.headers.authorization);
		if (req.url === "/sound.wav") {
			audioAuth.push(authOk);
			res.writeHead(authOk ? 200 : 401, { "content-type": "audio/wav", etag: '"v1"' });
			res.end(authOk ? Buffer.from(audio) : undefined);
			return;
		}
		const chunks: Buffer[] = [];
		for await (const c of req) chunks.push(c as Buffer);
		if (failures > 0) {
			failures--;
			res.writeHead(503).end();
			return;
		}
		// The dialer batches events: one POST carries an array of them.
		const parsed = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>[];
		for (const body of Array.isArray(parsed) ? parsed : [parsed]) received.push({ body, authOk });
		res.writeHead(204).end();
	});
	await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
	const a = server.address();
	const base = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
	return { base, received, audioAuth, close: () => new Promise<void>((r) => server.close(() => r())) };
}

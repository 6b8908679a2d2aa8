// Files bench: memory and throughput of uploads and downloads through the
// real Worker (`wrangler dev`: workerd with local D1 and R2), in one run:
//   A. one raw request streaming N MiB of unknown length (the baseline),
//   A'. the same with a Content-Length (one streamed R2 PUT),
//   B. the resumable API: N MiB in 8 MiB parts,
//   C, D. streamed downloads of B's and A''s files, hashed here and checked.
// For each: wall time, MiB/s, and how much the RSS of the workerd processes
// grew during the phase, as a ratio of the file size. A Worker that buffered
// the file would grow by at least N MiB (ratio ≥ 1); streaming keeps it to
// a few parts plus whatever garbage V8 has not collected yet (ratio ≪ 1 at
// large N). The RSS includes the local R2 and D1 simulators, which run in
// the same workerd process.
//
//   node bench/files/run.ts [--mib 1024] [--port 8799]
//
// Bounded: every wait has a timeout; wrangler is started and stopped here,
// listening on 127.0.0.1 only, with its state in a temporary directory. It
// runs a snapshot of the committed tree (`git archive HEAD`), so edits in the
// shared checkout cannot reload the Worker mid-measurement.
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAdmin, runBench, snapshotHead, startWrangler, waitFor } from "../lib/wrangler.ts";

const { values } = parseArgs({
	options: { mib: { type: "string", default: "1024" }, port: { type: "string", default: "8799" } },
});
const MiB = 1024 * 1024;
const SIZE = Number(values.mib) * MiB;
const PART = 8 * MiB;
const base = `http://127.0.0.1:${values.port}`;
const persist = mkdtempSync(join(tmpdir(), "hatch-bench-files-"));
const repo = process.cwd();
const snapshot = join(persist, "src");
const email = "bench-files@example.com";
const password = "Bench-files-2026-streaming!";

/** Deterministic content that sniffs as PNG: the chunk at `offset` of the file. */
function chunkAt(offset: number, length: number): Buffer {
	const buf = Buffer.alloc(length);
	for (let i = 0; i < length; i += 4) buf.writeUInt32LE(((offset + i) * 2654435761) >>> 0, i);
	if (offset === 0) Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(buf);
	return buf;
}

/** RSS (bytes) of every workerd process under `root`. */
function workerdRss(root: number): number {
	const parent = new Map<number, number>();
	const rss = new Map<number, number>();
	for (const d of readdirSync("/proc")) {
		if (!/^\d+$/.test(d)) continue;
		try {
			const status = readFileSync(`/proc/${d}/status`, "utf8");
			const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
			parent.set(Number(d), ppid);
			if (/^Name:\s+workerd/m.test(status))
				rss.set(Number(d), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
		} catch {}
	}
	let total = 0;
	for (const [pid, bytes] of rss) {
		for (let p = pid, hops = 0; p > 1 && hops < 20; p = parent.get(p) ?? 0, hops++) {
			if (p === root) {
				total += bytes;
				break;
			}
		}
	}
	return total;
}

/** Runs `work` while sampling RSS every 50 ms; returns its result, seconds and peak RSS. */
async function measured<T>(root: number, work: () => Promise<T>) {
	const start = workerdRss(root);
	let peak = start;
	const timer = setInterval(() => {
		peak = Math.max(peak, workerdRss(root));
	}, 50);
	const t0 = performance.now();
	try {
		const result = await work();
		const seconds = (performance.now() - t0) / 1000;
		return { result, seconds, start, peak: Math.max(peak, workerdRss(root)) };
	} finally {
		clearInterval(timer);
	}
}

async function json(res: Response) {
	if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
	return res.json() as Promise<Record<string, unknown>>;
}

let wrangler: ChildProcess | undefined;
async function main() {
	console.log(`[bench/files] ${values.mib} MiB; state in ${persist}`);
	snapshotHead(repo, snapshot);
	const state = join(persist, "state");
	createAdmin(snapshot, state, email, password);
	wrangler = startWrangler(snapshot, values.port, state);
	await waitFor(`${base}/health`, 120_000);
	const login = await json(
		await fetch(`${base}/v1/auth/login`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ email, password }),
		}),
	);
	const auth = { Authorization: `Bearer ${login.access_token as string}` };
	const root = wrangler.pid as number;

	// Warm up every path once, then take the idle RSS.
	const warm = await json(
		await fetch(`${base}/v1/files?name=warm.png`, {
			method: "POST",
			headers: { ...auth, "Content-Type": "application/octet-stream" },
			body: chunkAt(0, 1024),
		}),
	);
	await (await fetch(`${base}/v1/files/${warm.id}`, { headers: auth })).arrayBuffer();
	await new Promise((r) => setTimeout(r, 1000));
	const idle = workerdRss(root);

	/** The file as a stream of 1 MiB chunks, generated as it is sent. */
	const source = () => {
		let sent = 0;
		return new ReadableStream<Uint8Array>({
			pull(ctl) {
				if (sent >= SIZE) return ctl.close();
				const n = Math.min(MiB, SIZE - sent);
				ctl.enqueue(chunkAt(sent, n));
				sent += n;
			},
		});
	};
	const rawUpload = async (name: string, knownLength: boolean) =>
		json(
			await fetch(`${base}/v1/files?name=${name}`, {
				method: "POST",
				headers: {
					...auth,
					"Content-Type": "application/octet-stream",
					...(knownLength ? { "Content-Length": String(SIZE) } : {}),
				},
				body: source(),
				duplex: "half",
			} as RequestInit),
		);
	const download = async (id: unknown) => {
		const res = await fetch(`${base}/v1/files/${id}`, { headers: auth });
		const hash = createHash("sha256");
		let size = 0;
		for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
			hash.update(chunk);
			size += chunk.length;
		}
		return { size, sha256: hash.digest("hex") };
	};

	// Unknown length: the Worker cuts the stream into 5 MiB R2 multipart parts.
	const A = await measured(root, () => rawUpload("chunked.png", false));
	// Known length: one streamed R2 PUT.
	const A2 = await measured(root, () => rawUpload("sized.png", true));
	const B = await measured(root, async () => {
		const up = await json(
			await fetch(`${base}/v1/files/uploads`, {
				method: "POST",
				headers: { ...auth, "Content-Type": "application/json" },
				body: JSON.stringify({ name: "parts.png", size: SIZE, part_size: PART }),
			}),
		);
		for (let n = 1; (n - 1) * PART < SIZE; n++) {
			const offset = (n - 1) * PART;
			await json(
				await fetch(`${base}/v1/files/uploads/${up.id}/parts/${n}`, {
					method: "PUT",
					headers: { ...auth, "Content-Type": "application/octet-stream" },
					body: chunkAt(offset, Math.min(PART, SIZE - offset)),
				}),
			);
		}
		return json(await fetch(`${base}/v1/files/uploads/${up.id}/complete`, { method: "POST", headers: auth }));
	});
	const C = await measured(root, () => download(B.result.id));
	const D = await measured(root, () => download(A2.result.id));

	const expected = createHash("sha256");
	for (let o = 0; o < SIZE; o += MiB) expected.update(chunkAt(o, Math.min(MiB, SIZE - o)));
	const want = expected.digest("hex");
	const ok =
		[A, A2, B].every((m) => m.result.checksum === want) &&
		[C, D].every((m) => m.result.sha256 === want && m.result.size === SIZE);

	const row = (name: string, m: { seconds: number; start: number; peak: number }) => ({
		name,
		seconds: +m.seconds.toFixed(2),
		mib_per_s: +(SIZE / MiB / m.seconds).toFixed(1),
		phase_rss_growth_mib: +((m.peak - m.start) / MiB).toFixed(1),
		peak_over_idle_mib: +((m.peak - idle) / MiB).toFixed(1),
		growth_over_size: +((m.peak - m.start) / SIZE).toFixed(3),
	});
	const rows = [
		row("A. one request, unknown length (baseline)", A),
		row("A'. one request with Content-Length", A2),
		row("B. resumable, 8 MiB parts", B),
		row("C. download of B (R2 multipart object)", C),
		row("D. download of A' (R2 single object)", D),
	];
	const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
	const result = {
		date: new Date().toISOString(),
		size_mib: SIZE / MiB,
		idle_workerd_rss_mib: +(idle / MiB).toFixed(1),
		checksums_match: ok,
		throughput_ratio_B_over_A: +((rows[2]?.mib_per_s ?? 0) / (rows[0]?.mib_per_s ?? 1)).toFixed(2),
		load_average: load,
		rows,
	};
	console.table(rows);
	console.log(
		`idle workerd RSS ${result.idle_workerd_rss_mib} MiB; checksums match: ${ok}; resumable/single throughput ${result.throughput_ratio_B_over_A}; load ${load}`,
	);
	const md = [
		`# Files bench (${result.date})`,
		"",
		`${result.size_mib} MiB through \`wrangler dev\` (workerd, local R2 on disk) on 127.0.0.1; idle workerd RSS ${result.idle_workerd_rss_mib} MiB; load average ${load}; checksums match: ${ok}.`,
		"",
		"| path | seconds | MiB/s | RSS growth in phase (MiB) | peak over idle (MiB) | phase growth ÷ file size |",
		"| --- | ---: | ---: | ---: | ---: | ---: |",
		...rows.map(
			(r) =>
				`| ${r.name} | ${r.seconds} | ${r.mib_per_s} | ${r.phase_rss_growth_mib} | ${r.peak_over_idle_mib} | ${r.growth_over_size} |`,
		),
		"",
		`Resumable ÷ single-request throughput: ${result.throughput_ratio_B_over_A}.`,
		"",
	].join("\n");
	writeFileSync("bench/results/files.json", `${JSON.stringify(result, null, 2)}\n`);
	writeFileSync("bench/results/files.md", md);
	if (!ok) process.exitCode = 1;
}

runBench(main, { server: () => wrangler, scratch: persist });

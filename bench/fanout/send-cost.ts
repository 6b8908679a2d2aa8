// What one WebSocket frame costs workerd on this machine, and how much the
// ChatRoom's outbox saves by letting several messages go out in one turn of
// the event loop. A bare Durable Object (bench/fanout/send-cost/) holds N
// hibernatable sockets and writes M frames to each, yielding to the event
// loop after every `batch` frames; the figure is CPU seconds of every process
// wrangler started, per frame written. The baseline is batch = 1 (each
// message in its own turn) in the same run.
//
//   bash -c 'ulimit -n 20000 && node bench/fanout/send-cost.ts [--sockets 1000] [--frames 200]'
//
// Writes bench/results/fanout-send-cost.{json,md}. Bounded: every wait has a
// timeout; wrangler listens on 127.0.0.1 with its state in a temp directory.
import { mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { cpuSeconds } from "../lib/proc.ts";
import { runBench, startWrangler, waitFor } from "../lib/wrangler.ts";
import { barePing, directBase, freePort, round, sleep, tree } from "./lib.ts";

const { values } = parseArgs({
	options: { sockets: { type: "string", default: "1000" }, frames: { type: "string", default: "200" } },
});
const SOCKETS = Number(values.sockets);
const FRAMES = Number(values.frames);
const BATCHES = [1, 4, 16, 64];
const repo = process.cwd();
const scratch = mkdtempSync(join(tmpdir(), "hatch-bench-send-cost-"));
let wrangler: ReturnType<typeof startWrangler> | undefined;

async function main() {
	const port = await freePort();
	wrangler = startWrangler(join(repo, "bench/fanout/send-cost"), String(port), join(scratch, "state"));
	await waitFor(`http://127.0.0.1:${port}/send?n=0`, 120_000);
	const root = wrangler.pid as number;
	// Past a few thousand sockets the wrangler proxy runs out of files: go straight to workerd.
	const direct = (await directBase(root, port, barePing)).replace("http://", "");
	if (!direct) throw new Error("workerd's own port not found");
	let received = 0;
	const sockets: WebSocket[] = [];
	for (let i = 0; i < SOCKETS; i++) {
		const ws = new WebSocket(`ws://${direct}/ws`, { perMessageDeflate: false });
		await new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`socket ${i} did not open`)), 30_000);
			ws.once("open", () => resolve(clearTimeout(timer)));
			ws.once("error", reject);
		});
		ws.on("message", () => received++);
		sockets.push(ws);
	}
	const cpu = () => cpuSeconds(tree(root).map((p) => p.pid));
	const runs: { batch: number; frames: number; seconds: number; cpu_s: number; us_per_frame: number }[] = [];
	await fetch(`http://${direct}/send?n=5`); // warm-up
	await sleep(1000);
	for (const batch of BATCHES) {
		received = 0;
		const expected = SOCKETS * FRAMES;
		const c0 = cpu();
		const t0 = performance.now();
		await fetch(`http://${direct}/send?n=${FRAMES}&batch=${batch}`);
		const until = Date.now() + 120_000;
		while (received < expected && Date.now() < until) await sleep(5);
		if (received < expected) throw new Error(`batch ${batch}: ${received}/${expected} frames arrived`);
		const seconds = (performance.now() - t0) / 1000;
		const c = cpu() - c0;
		runs.push({
			batch,
			frames: expected,
			seconds: round(seconds),
			cpu_s: round(c),
			us_per_frame: round((c * 1e6) / expected, 1),
		});
		console.log(runs.at(-1));
		await sleep(1000);
	}
	for (const ws of sockets) ws.terminate();
	const base = runs[0]?.us_per_frame ?? Number.NaN;
	const result = {
		bench: "fanout-send-cost",
		date: new Date().toISOString(),
		load_average_at_end: loadavg().map((x) => round(x)),
		sockets: SOCKETS,
		frames_per_socket: FRAMES,
		runs: runs.map((r) => ({ ...r, ratio_to_batch_1: round(r.us_per_frame / base, 2) })),
	};
	writeFileSync(join(repo, "bench/results/fanout-send-cost.json"), `${JSON.stringify(result, null, 2)}\n`);
	const md = [
		"# What a WebSocket frame costs workerd (bench/fanout/send-cost.ts)",
		"",
		`${result.date}, load average at end ${result.load_average_at_end.join(", ")}. A bare Durable Object with ${SOCKETS} hibernatable sockets on \`wrangler dev\` writes ${FRAMES} frames of ~330 bytes to each, yielding to the event loop after every \`batch\` frames. CPU of every process wrangler started, per frame.`,
		"",
		"| frames per turn (batch) | frames | seconds | CPU s | µs per frame | ratio to batch 1 (same run) |",
		"|---:|---:|---:|---:|---:|---:|",
		...result.runs.map(
			(r) =>
				`| ${r.batch} | ${r.frames} | ${r.seconds} | ${r.cpu_s} | ${r.us_per_frame} | ${r.ratio_to_batch_1} |`,
		),
		"",
	].join("\n");
	writeFileSync(join(repo, "bench/results/fanout-send-cost.md"), md);
	console.log(md);
}

runBench(main, { server: () => wrangler, scratch });

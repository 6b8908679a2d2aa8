// CPU of each thread of a process, from /proc/<pid>/task: where a process's CPU went.
import { readdirSync, readFileSync } from "node:fs";
import { statCpu } from "../lib/proc.ts";

/**
 * CPU seconds per thread of `pid`, keyed `main` for the thread whose id is the
 * pid and `<comm>#<tid>` for the others (libuv-worker, V8 workers, the dialer's
 * media thread...). Threads that are gone are missing.
 * @example const t0 = threadCpu(pid); … const d = diffThreads(t0, threadCpu(pid));
 */
export function threadCpu(pid: number | undefined): Record<string, number> {
	const out: Record<string, number> = {};
	if (!pid) return out;
	let tids: string[];
	try {
		tids = readdirSync(`/proc/${pid}/task`);
	} catch {
		return out;
	}
	for (const tid of tids) {
		try {
			const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
			const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
			out[tid === String(pid) ? "main" : `${comm}#${tid}`] = statCpu(stat);
		} catch {}
	}
	return out;
}

/**
 * `after − before` per thread, threads of one name summed (`libuv-worker` ×4
 * → one figure), rounded to 10 ms; a thread born in between counts from 0.
 */
export function diffThreads(
	before: Record<string, number>,
	after: Record<string, number>,
): Record<string, number> {
	const out: Record<string, number> = {};
	for (const [k, v] of Object.entries(after)) {
		const name = k.replace(/#\d+$/, "");
		out[name] = (out[name] ?? 0) + v - (before[k] ?? 0);
	}
	for (const k of Object.keys(out)) out[k] = Math.round(out[k] * 100) / 100;
	return out;
}

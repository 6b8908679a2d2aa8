// What the benches read from /proc about the processes they measure.
import { readFileSync } from "node:fs";

/** USER_HZ on Linux: /proc reports CPU time in these ticks. */
const TICK = 100;

/**
 * CPU seconds (user + system) in one `/proc/.../stat` text (a process's, or
 * a thread's under `task/`).
 *
 * @example statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"))
 */
export function statCpu(stat: string): number {
	// The command name may hold spaces and parentheses: fields start after the last ")".
	const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return (Number(f[11]) + Number(f[12])) / TICK; // utime + stime
}

/**
 * CPU seconds (user + system) used so far by `pids`; a pid that is missing
 * or gone counts 0.
 *
 * @example const c0 = cpuSeconds([server.pid]); … const used = cpuSeconds([server.pid]) - c0;
 */
export function cpuSeconds(pids: Iterable<number | undefined>): number {
	let seconds = 0;
	for (const pid of pids) {
		if (!pid) continue;
		try {
			seconds += statCpu(readFileSync(`/proc/${pid}/stat`, "utf8"));
		} catch {}
	}
	return seconds;
}

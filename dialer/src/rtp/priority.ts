/**
 * Raise the calling thread's scheduling priority, as media servers do for their
 * RTP threads (Asterisk `-p`, FreeSWITCH `-rp`): on a busy host the kernel then
 * picks the media thread first when it wakes, instead of after whatever else is
 * runnable. On Linux `setpriority(PRIO_PROCESS, tid)` applies to that one thread.
 * Lowering the nice value needs CAP_SYS_NICE (root, or `docker run --cap-add
 * SYS_NICE`); without it the call fails with EACCES/EPERM and nothing changes.
 * Optionally the thread goes further, to SCHED_FIFO (real-time; FreeSWITCH's `-rp`):
 * it then runs the moment it wakes, ahead of every normal task. Node has no call
 * for that, so `chrt` (util-linux) sets it once at start; the thread never spins
 * (clock.ts sleeps in the kernel) and the kernel's RT throttling still leaves 5 %
 * of each CPU to everything else.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import os from "node:os";
import type { PriorityResult } from "./protocol.ts";

/** This thread's kernel id (Linux), from /proc/thread-self → "<pid>/task/<tid>". */
export function threadId(): number | undefined {
	try {
		const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
		return Number.isInteger(tid) && tid > 0 ? tid : undefined;
	} catch {
		return undefined;
	}
}

/** This thread's scheduling policy number (0 normal, 1 FIFO, 2 RR), from /proc. */
export function threadPolicy(): number | undefined {
	try {
		const stat = readFileSync("/proc/thread-self/stat", "utf8");
		// Fields after "(comm) " start at field 3; the policy is field 41.
		const policy = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[41 - 3]);
		return Number.isInteger(policy) ? policy : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Put the calling thread on SCHED_FIFO at `priority` (1-99) with `chrt`.
 * @returns undefined on success, else why not
 */
export function makeThreadRealtime(priority: number): string | undefined {
	const tid = threadId();
	if (tid === undefined) return "no /proc/thread-self (not Linux)";
	try {
		execFileSync("chrt", ["-f", "-p", String(priority), String(tid)], { stdio: "pipe", timeout: 2000 });
	} catch (err) {
		const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
		return e.code === "ENOENT" ? "chrt not installed" : e.stderr?.toString().trim() || e.code || String(err);
	}
	return threadPolicy() === 1 ? undefined : "chrt ran but the policy is unchanged";
}

/**
 * Set the calling thread's nice value to `nice` (-20 … 19; 0 leaves it alone).
 * Never throws: the result says what happened.
 * @example raiseThreadPriority(-10) // → { asked: -10, nice: -10 } as root, { asked: -10, nice: 0, error: "EACCES" } otherwise
 */
export function raiseThreadPriority(nice: number, realtime = 0): PriorityResult {
	if (realtime > 0) {
		const error = makeThreadRealtime(realtime);
		if (!error) return { asked: nice, realtime };
		// Fall back to the nice value, and say why.
		return { ...raiseThreadPriority(nice), realtimeError: error };
	}
	if (nice === 0) return { asked: 0 };
	const tid = threadId();
	if (tid === undefined) return { asked: nice, error: "no /proc/thread-self (not Linux)" };
	let error: string | undefined;
	try {
		os.setPriority(tid, nice);
	} catch (err) {
		error = (err as NodeJS.ErrnoException).code ?? String(err);
	}
	let current: number | undefined;
	try {
		current = os.getPriority(tid);
	} catch {}
	return { asked: nice, nice: current, ...(error ? { error } : {}) };
}

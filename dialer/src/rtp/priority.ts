/**
 * Raise the calling thread's scheduling priority, as media servers do for their
 * RTP threads (Asterisk `-p`, FreeSWITCH `-rp`): on a busy host the kernel then
 * picks the media thread first when it wakes, instead of after whatever else is
 * runnable. On Linux `setpriority(PRIO_PROCESS, tid)` applies to that one thread.
 * Lowering the nice value needs CAP_SYS_NICE (root, or `docker run --cap-add
 * SYS_NICE`); without it the call fails with EACCES/EPERM and nothing changes.
 */
import { readlinkSync } from "node:fs";
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

/**
 * Set the calling thread's nice value to `nice` (-20 … 19; 0 leaves it alone).
 * Never throws: the result says what happened.
 * @example raiseThreadPriority(-10) // → { asked: -10, nice: -10 } as root, { asked: -10, nice: 0, error: "EACCES" } otherwise
 */
export function raiseThreadPriority(nice: number): PriorityResult {
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

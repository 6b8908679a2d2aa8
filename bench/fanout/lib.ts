// Helpers for bench/fanout: process trees and memory, free ports, seeding,
// and a fan-out run that is the same against Hatch and the baseline.
import { execSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import WebSocket from "ws";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.listen(0, "127.0.0.1", () => {
			const addr = s.address();
			const port = typeof addr === "object" && addr ? addr.port : 0;
			s.close(() => resolve(port));
		});
		s.on("error", reject);
	});
}

type Proc = { pid: number; ppid: number; name: string; rss: number };

function procs(): Proc[] {
	const out: Proc[] = [];
	for (const d of readdirSync("/proc")) {
		if (!/^\d+$/.test(d)) continue;
		try {
			const status = readFileSync(`/proc/${d}/status`, "utf8");
			out.push({
				pid: Number(d),
				ppid: Number(/PPid:\s+(\d+)/.exec(status)?.[1]),
				name: /^Name:\s+(\S+)/m.exec(status)?.[1] ?? "?",
				rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024,
			});
		} catch {}
	}
	return out;
}

/** Every process in the tree under `root` (inclusive). */
export function tree(root: number): Proc[] {
	const all = procs();
	const kids = new Map<number, Proc[]>();
	for (const p of all) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
	const out: Proc[] = [];
	const stack = all.filter((p) => p.pid === root);
	while (stack.length) {
		const p = stack.pop() as Proc;
		out.push(p);
		stack.push(...(kids.get(p.pid) ?? []));
	}
	return out;
}

/**
 * RSS in bytes under `root`: the workerd running the Worker, and the proxy
 * (wrangler's Node process plus the workerd that runs its ProxyWorker, given
 * in `proxyPids`).
 */
export function rssOf(root: number, proxyPids: Set<number> = new Set()): { workerd: number; proxy: number } {
	let workerd = 0;
	let proxy = 0;
	for (const p of tree(root)) {
		if (p.name === "workerd" && !proxyPids.has(p.pid)) workerd += p.rss;
		else if (p.name === "workerd" || p.name === "node" || p.name.startsWith("MainThread")) proxy += p.rss;
	}
	return { workerd, proxy };
}

/** Open file descriptors of the workerd processes under `root` that are not in `proxyPids`. */
export function workerdFds(root: number, proxyPids: Set<number> = new Set()): number {
	let n = 0;
	for (const p of tree(root)) {
		if (p.name !== "workerd" || proxyPids.has(p.pid)) continue;
		try {
			n += readdirSync(`/proc/${p.pid}/fd`).length;
		} catch {}
	}
	return n;
}

/** TCP ports workerd processes under `root` listen on (from `ss`), with their pids. */
export function workerdPorts(root: number): { pid: number; port: number }[] {
	const pids = new Set(
		tree(root)
			.filter((p) => p.name === "workerd")
			.map((p) => p.pid),
	);
	const out = execSync("ss -ltnpH", { encoding: "utf8" });
	const found: { pid: number; port: number }[] = [];
	for (const line of out.split("\n")) {
		const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
		const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1] ?? /\[::1?\]:(\d+)/.exec(line)?.[1]);
		if (pids.has(pid) && port) found.push({ pid, port });
	}
	return found;
}

/**
 * The port of the workerd (under wrangler `root`) that runs the Worker itself
 * rather than wrangler's ProxyWorker on `proxyPort`: past a few thousand
 * sockets the proxy runs out of files. `probe` says whether a base URL is the
 * Worker. Returns `http://127.0.0.1:<port>`, or "" when none answers.
 *
 * @example const direct = await directBase(root, port, async (b) => (await fetch(`${b}/health`)).ok);
 */
export async function directBase(
	root: number,
	proxyPort: number,
	probe: (base: string) => Promise<boolean>,
): Promise<string> {
	const listening = workerdPorts(root);
	const proxyPids = proxyPidsOf(listening, proxyPort);
	for (const l of listening) {
		if (proxyPids.has(l.pid)) continue;
		const base = `http://127.0.0.1:${l.port}`;
		try {
			if (await probe(base)) return base;
		} catch {}
	}
	return "";
}

/** Whether `base` is bench/fanout/send-cost's bare Durable Object (it answers /send?n=0 with a socket count). */
export async function barePing(base: string): Promise<boolean> {
	const r = await fetch(`${base}/send?n=0`, { signal: AbortSignal.timeout(2000) });
	return r.ok && /^\d+$/.test(await r.text());
}

/** The pids of the workerd running wrangler's ProxyWorker: those in `listening` (workerdPorts) on `proxyPort`. */
export function proxyPidsOf(listening: { pid: number; port: number }[], proxyPort: number): Set<number> {
	return new Set(listening.filter((l) => l.port === proxyPort).map((l) => l.pid));
}

export function percentile(sorted: Float64Array, p: number): number {
	if (!sorted.length) return Number.NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({ length: Math.min(n, items.length) }, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i] as T, i);
			}
		}),
	);
	return out;
}

export type FanoutTarget = {
	/** ws:// URL for receiver `i` (Hatch: with a fresh ticket). */
	url(i: number): Promise<string>;
	/** Sends message `i` with text `text`; resolves when the server accepted it. */
	send(i: number, text: string): Promise<void>;
	/** Frame to send after the socket is open (Hatch: chat.subscribe), if any. */
	subscribe?: (ws: WebSocket) => Promise<void>;
	/** CPU seconds used so far by the server's processes, for CPU per delivered message. */
	cpu?: () => number;
};

export type FanoutResult = {
	clients: number;
	messages: number;
	expected: number;
	delivered: number;
	seconds: number;
	msgs_per_s: number;
	p50_ms: number;
	p99_ms: number;
	max_ms: number;
	out_of_order: number;
	server_cpu_s: number;
	server_cpu_us_per_delivery: number;
	slowest_messages: { i: number; ms: number }[];
};

/** Handshakes retried after a reset, across the run (reported with the results). */
export const retries = { count: 0 };

/** Opens `n` sockets with at most 50 handshakes in flight; every socket must say hello. */
export async function openSockets(
	target: FanoutTarget,
	n: number,
	onMessage?: (data: string) => void,
): Promise<WebSocket[]> {
	return pool(
		Array.from({ length: n }, (_, i) => i),
		50,
		async (i) => {
			let ws: WebSocket | null = null;
			// A reset under a burst of handshakes is retried (bounded), not fatal.
			for (let attempt = 1; !ws; attempt++) {
				try {
					const url = await target.url(i);
					const candidate = new WebSocket(url, "json", { perMessageDeflate: false });
					await new Promise<void>((resolve, reject) => {
						const timer = setTimeout(() => reject(new Error(`socket ${i} did not open`)), 30_000);
						candidate.once("message", () => {
							clearTimeout(timer);
							resolve();
						});
						candidate.once("error", (e) => {
							clearTimeout(timer);
							reject(e);
						});
					});
					ws = candidate;
				} catch (err) {
					retries.count++;
					if (attempt >= 5) throw err;
					await sleep(200 * attempt);
				}
			}
			if (onMessage) ws.on("message", (d) => onMessage(d.toString()));
			if (target.subscribe) await target.subscribe(ws);
			return ws;
		},
	);
}

/**
 * `clients` receivers, one sender posting `messages` with `concurrency` in
 * flight. Latency is send start → receipt, per delivered copy (same clock).
 *
 * With `rate` (messages per second) the sender is open-loop instead: message
 * i is due at t0 + i / rate whatever happened to earlier ones, and its
 * latency counts from that due time, so a server that falls behind shows it
 * (no coordinated omission).
 */
export async function fanout(
	target: FanoutTarget,
	clients: number,
	messages: number,
	concurrency: number,
	rate?: number,
	hooks: { measuring?: () => Promise<void>; measured?: () => Promise<void> } = {},
): Promise<FanoutResult> {
	const expected = clients * messages;
	const lat = new Float64Array(expected);
	let delivered = 0;
	let outOfOrder = 0;
	let lastAt = 0;
	const lastSeq = new Int32Array(clients);
	/** Per message: the latency of its slowest copy (to tell a stall from a slope). */
	const worst = new Float64Array(messages);
	const warmSeen = new Int32Array(clients);
	const sockets = await openSockets(target, clients);
	sockets.forEach((ws, idx) => {
		ws.on("message", (data) => {
			// The clock is read first and the frame is not JSON-parsed: with 1,000
			// sockets in this one process, the client's own work per frame is
			// queueing that would otherwise count as server latency.
			const now = Date.now();
			const s = data.toString();
			// One event per frame, or several in an `events` frame (Hatch with batch=1): each
			// message.new starts with the same prefix, and its own seq comes first after it.
			const parts = s.split('{"type":"message.new"');
			for (let k = 1; k < parts.length; k++) {
				const part = parts[k] as string;
				const seq = Number(/"seq":(\d+)/.exec(part)?.[1]);
				const stamp = /t=(\d+) i=(\d+)/.exec(part);
				if (!stamp) {
					// A warm-up message: in order, not counted.
					lastSeq[idx] = seq;
					warmSeen[idx] = (warmSeen[idx] ?? 0) + 1;
					continue;
				}
				const ms = now - Number(stamp[1]);
				const i = Number(stamp[2]);
				if (delivered < expected) lat[delivered] = ms;
				if (ms > (worst[i] ?? 0)) worst[i] = ms;
				delivered++;
				lastAt = now;
				if (seq <= (lastSeq[idx] ?? 0)) outOfOrder++;
				lastSeq[idx] = seq;
			}
		});
	});
	await sleep(500);
	if (rate) {
		// Warm-up for the latency run: a few messages every socket must see first.
		for (let w = 0; w < 5; w++) await target.send(-1 - w, `warm-up ${w}`);
		const until = Date.now() + 30_000;
		while (Math.min(...warmSeen) < 5 && Date.now() < until) await sleep(50);
		await sleep(500);
		// Steady state, not the aftermath of 1,000 handshakes: wait (at most 15 s) until the
		// server's processes use under 10 % of a core over half a second.
		if (target.cpu) {
			const settleUntil = Date.now() + 15_000;
			for (let c0 = target.cpu(); Date.now() < settleUntil; c0 = target.cpu()) {
				await sleep(500);
				if (target.cpu() - c0 < 0.05) break;
			}
		}
	}
	await hooks.measuring?.();
	const t0 = Date.now();
	const cpu0 = target.cpu?.() ?? 0;
	// A marker a profiler can wait for (the sockets are open and warm from here).
	console.log(`[bench/fanout] measuring ${messages} messages${rate ? ` at ${rate}/s` : ""}`);
	if (rate) {
		const sends: Promise<void>[] = [];
		for (let i = 0; i < messages; i++) {
			const due = t0 + (i * 1000) / rate;
			if (due > Date.now()) await sleep(due - Date.now());
			sends.push(target.send(i, `t=${Math.round(due)} i=${i} fan-out bench message`));
		}
		await Promise.all(sends);
	} else {
		await pool(
			Array.from({ length: messages }, (_, i) => i),
			concurrency,
			(i) => target.send(i, `t=${Date.now()} i=${i} fan-out bench message`),
		);
	}
	// Wait for the tail, bounded: stop when complete or 30 s without progress.
	let seen = -1;
	let stall = Date.now();
	while (delivered < expected && Date.now() - stall < 30_000) {
		if (delivered !== seen) {
			seen = delivered;
			stall = Date.now();
		}
		await sleep(100);
	}
	const cpu = (target.cpu?.() ?? 0) - cpu0;
	await hooks.measured?.();
	const seconds = ((lastAt || Date.now()) - t0) / 1000;
	for (const ws of sockets) ws.terminate();
	const sorted = lat.slice(0, Math.min(delivered, expected)).sort();
	return {
		clients,
		messages,
		expected,
		delivered,
		seconds: round(seconds),
		msgs_per_s: Math.round(delivered / seconds),
		p50_ms: percentile(sorted, 50),
		p99_ms: percentile(sorted, 99),
		max_ms: sorted[sorted.length - 1] ?? Number.NaN,
		out_of_order: outOfOrder,
		server_cpu_s: round(cpu),
		server_cpu_us_per_delivery: delivered ? round((cpu * 1e6) / delivered, 1) : Number.NaN,
		slowest_messages: [...worst.entries()]
			.sort((x, y) => y[1] - x[1])
			.slice(0, 3)
			.map(([i, ms]) => ({ i, ms })),
	};
}

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Resident memory (bytes) of `pids` together. */
export function rssSum(pids: number[]): number {
	const want = new Set(pids);
	let n = 0;
	for (const p of procs()) if (want.has(p.pid)) n += p.rss;
	return n;
}

/** The workerd processes under wrangler `root` other than the one running its ProxyWorker on `proxyPort`. */
export function serverPids(root: number, proxyPort: number): number[] {
	const proxy = proxyPidsOf(workerdPorts(root), proxyPort);
	return tree(root)
		.filter((p) => p.name === "workerd" && !proxy.has(p.pid))
		.map((p) => p.pid);
}

export type JoinResult = {
	sockets: number;
	seconds: number;
	sockets_per_s: number;
	/** Mean time per socket to get its URL (Hatch: minting the ticket), before the handshake. */
	url_ms_mean: number;
	/** Mean time per socket from the handshake's start to its hello. */
	open_ms_mean: number;
	/** CPU of the server's processes per socket opened (µs). */
	server_cpu_us_per_join: number;
};

/** Opens `n` sockets (50 handshakes in flight, each must say hello) and times it; closes them after. */
export async function joins(target: FanoutTarget, n: number): Promise<JoinResult> {
	let urlMs = 0;
	const timed: FanoutTarget = {
		...target,
		async url(i) {
			const a = performance.now();
			try {
				return await target.url(i);
			} finally {
				urlMs += performance.now() - a;
			}
		},
	};
	const t0 = Date.now();
	const cpu0 = target.cpu?.() ?? 0;
	const sockets = await openSockets(timed, n);
	const seconds = (Date.now() - t0) / 1000;
	const cpu = (target.cpu?.() ?? 0) - cpu0;
	for (const ws of sockets) ws.terminate();
	await sleep(2000);
	const perSocket = (seconds * 1000 * 50) / n;
	return {
		sockets: n,
		seconds: round(seconds),
		sockets_per_s: Math.round(n / seconds),
		url_ms_mean: round(urlMs / n, 1),
		open_ms_mean: round(perSocket - urlMs / n, 1),
		server_cpu_us_per_join: Math.round((cpu * 1e6) / n),
	};
}

export type IdleResult = {
	sockets: number;
	open_seconds: number;
	rss_before_mib: number;
	rss_after_mib: number;
	bytes_per_socket: number;
	still_open: number;
};

/**
 * Opens `n` idle sockets and reports the growth of resident memory of every
 * process in `pids()` (all the server's processes) per socket, 5 s after the
 * last one opened.
 */
export async function idleMemory(target: FanoutTarget, n: number, pids: () => number[]): Promise<IdleResult> {
	await sleep(2000);
	const before = rssSum(pids());
	const t0 = Date.now();
	const sockets = await openSockets(target, n);
	const openS = (Date.now() - t0) / 1000;
	await sleep(5000);
	const after = rssSum(pids());
	const alive = sockets.filter((ws) => ws.readyState === ws.OPEN).length;
	for (const ws of sockets) ws.terminate();
	await sleep(3000);
	return {
		sockets: n,
		open_seconds: round(openS),
		rss_before_mib: round(before / 2 ** 20),
		rss_after_mib: round(after / 2 ** 20),
		bytes_per_socket: Math.round((after - before) / n),
		still_open: alive,
	};
}

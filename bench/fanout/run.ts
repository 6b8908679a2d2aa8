// Fan-out bench: Hatch on `wrangler dev` against a minimal `ws` broadcast
// server (bench/fanout/baseline-server.ts), in the same run, same client:
//   1. fan-out: N WebSocket clients in one group chat (N users), each with
//      the chat open on a chat-viewing socket (GET /v1/chats/{id}/ws, the
//      ChatRoom's own sockets) straight to workerd's port; one sender posting
//      M messages over REST with C in flight: delivered messages/s and
//      p50/p99 send→receive latency. `--hub-fanout` also runs the hub-socket
//      path (GET /v1/ws + chat.subscribe, via the wrangler proxy);
//   2. idle: K idle hub sockets (K/10 users × 10 devices), connected straight
//      to workerd's port (the wrangler proxy holds ~6 fds per socket): RSS
//      growth per connection of workerd and of the proxy, and of the baseline.
//      K defaults to 8,000, not 10,000: workerd holds about two descriptors
//      per accepted WebSocket (`ss -tnp` shows each connection on two fds)
//      and three per awake Durable Object (its SQLite files), and this
//      machine caps a process at 20,000 open files. 9,000 sockets on 900 hubs
//      peaked at 18,477 workerd fds once and made workerd stop answering twice.
//      The figure reported is bytes per connection.
// Writes bench/results/fanout.json and fanout.md.
//
//   bash -c 'ulimit -n 20000 && node bench/fanout/run.ts [--clients 1000] [--messages 2000] [--idle 10000] [--concurrency 32] [--hub-fanout]'
// (`--idle 0` skips the idle phase.)
//
// Bounded: every wait has a timeout; servers listen on 127.0.0.1 only;
// wrangler runs a snapshot of the committed tree (`git archive HEAD`, or `--ref`) with
// its state in a temporary directory, started with --enable-containers=false.
import { type ChildProcess, execFileSync, execSync, spawn } from "node:child_process";
import {
	mkdirSync,
	mkdtempSync,
	openSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import type WebSocket from "ws";
import { cpuSeconds } from "../lib/proc.ts";
import { startWrangler, waitFor } from "../lib/wrangler.ts";
import {
	barePing,
	directBase,
	type FanoutTarget,
	fanout,
	freePort,
	openSockets,
	pool,
	proxyPidsOf,
	retries,
	round,
	rssOf,
	sleep,
	tree,
	workerdFds,
	workerdPorts,
} from "./lib.ts";

const { values } = parseArgs({
	options: {
		clients: { type: "string", default: "1000" },
		messages: { type: "string", default: "2000" },
		idle: { type: "string", default: "8000" },
		concurrency: { type: "string", default: "32" },
		"hub-fanout": { type: "boolean", default: false },
		rate: { type: "string", default: "10" },
		// A commit to measure instead of HEAD (an experiment need not move the shared checkout).
		ref: { type: "string", default: "HEAD" },
		"rate-messages": { type: "string", default: "200" },
	},
});
const CLIENTS = Number(values.clients);
const MESSAGES = Number(values.messages);
const IDLE = Number(values.idle);
const CONC = Number(values.concurrency);
const RATE = Number(values.rate);
const REF = values.ref;
const RATE_MESSAGES = Number(values["rate-messages"]);
const DEVICES_PER_IDLE_USER = 10;
const repo = process.cwd();
const tmp = mkdtempSync(join(tmpdir(), "hatch-bench-fanout-"));
const children: ChildProcess[] = [];

const vars = Object.fromEntries(
	readFileSync(join(repo, ".dev.vars"), "utf8")
		.split("\n")
		.filter((l) => /^[A-Z_]+=/.test(l))
		.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
) as Record<string, string>;
const audience =
	/JWT_AUDIENCE\s*=\s*"([^"]+)"/.exec(readFileSync(join(repo, "wrangler.toml"), "utf8"))?.[1] ?? "hatch";

/** An access token exactly as the Worker signs them (HS256, at+jwt, kid = sha256(secret)[0..16]). */
async function token(userId: string) {
	const secret = vars.JWT_SECRET as string;
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)));
	const kidHex = [...digest]
		.map((b) => b.toString(16).padStart(2, "0"))
		.join("")
		.slice(0, 16);
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({ role: "user", sid: crypto.randomUUID() })
		.setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: kidHex })
		.setIssuer(vars.JWT_ISSUER as string)
		.setAudience(audience)
		.setSubject(userId)
		.setJti(crypto.randomUUID())
		.setIssuedAt(now)
		.setExpirationTime(now + 1800)
		.sign(new TextEncoder().encode(secret));
}

const uuid = (n: number, kind: number) => `0000${kind}000-0000-7000-8000-${String(n).padStart(12, "0")}`;

/** Users, one group chat with the fan-out users as active members. Written as SQL for `wrangler d1 execute`. */
function seedSql(chatId: string, fanUsers: string[], idleUsers: string[]) {
	const now = Date.now();
	const lines: string[] = [];
	const all = [...fanUsers, ...idleUsers];
	for (let i = 0; i < all.length; i += 400) {
		const rows = all
			.slice(i, i + 400)
			.map((id) => `('${id}', '${id}@bench.test', 'Bench ${id.slice(-6)}', 'bench', ${now}, ${now})`);
		lines.push(
			`INSERT INTO users (id, email, display_name, search_name, created_at, updated_at) VALUES ${rows.join(",")};`,
		);
	}
	lines.push(
		`INSERT INTO chats (id, kind, name, owner_id, created_at, updated_at) VALUES ('${chatId}', 'group', 'Fan-out', '${fanUsers[0]}', ${now}, ${now});`,
	);
	for (let i = 0; i < fanUsers.length; i += 400) {
		const rows = fanUsers
			.slice(i, i + 400)
			.map((id, j) => `('${chatId}', '${id}', '${i + j === 0 ? "owner" : "member"}', 'active', ${now})`);
		lines.push(
			`INSERT INTO chat_members (chat_id, user_id, role, status, joined_at) VALUES ${rows.join(",")};`,
		);
	}
	return lines.join("\n");
}

let runNo = 0;
let peakFds = 0;
function hatchTarget(
	base: string,
	chatId: string,
	receivers: string[],
	senderToken: string,
	tokens: Map<string, string>,
	socket: "hub" | "chat" | "chat-batch" = "hub",
): FanoutTarget {
	const run = ++runNo;
	return {
		async url(i) {
			const userId = receivers[i] as string;
			const res = await fetch(`${base}/v1/ws/ticket`, {
				method: "POST",
				headers: { Authorization: `Bearer ${tokens.get(userId)}` },
			});
			if (!res.ok) throw new Error(`ticket ${res.status} ${await res.text()}`);
			const { ticket } = (await res.json()) as { ticket: string };
			const path = socket === "hub" ? "/v1/ws" : `/v1/chats/${chatId}/ws`;
			const batch = socket === "chat-batch" ? "&batch=1" : "";
			return `${base.replace("http", "ws")}${path}?ticket=${encodeURIComponent(ticket)}${batch}`;
		},
		async subscribe(ws: WebSocket) {
			await new Promise<void>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error("subscribe timed out")), 30_000);
				const on = (d: WebSocket.RawData) => {
					const f = JSON.parse(d.toString()) as { type: string; id?: string };
					if (f.id !== "sub") return;
					clearTimeout(timer);
					ws.off("message", on);
					if (f.type === "result") resolve();
					else reject(new Error(d.toString()));
				};
				ws.on("message", on);
				ws.send(JSON.stringify({ type: "chat.subscribe", id: "sub", chat_id: chatId }));
			});
		},
		async send(i, text) {
			const res = await fetch(`${base}/v1/chats/${chatId}/messages`, {
				method: "POST",
				headers: { Authorization: `Bearer ${senderToken}`, "Content-Type": "application/json" },
				body: JSON.stringify({ client_id: `bench-${run}-${i}`, text }),
			});
			if (res.status !== 201) throw new Error(`send ${res.status} ${await res.text()}`);
			await res.arrayBuffer();
		},
	};
}

function baselineTarget(base: string, pid?: number): FanoutTarget {
	return {
		cpu: pid ? () => cpuSeconds([pid]) : undefined,
		url: async () => `${base.replace("http", "ws")}/`,
		async send(_i, text) {
			const res = await fetch(`${base}/send`, { method: "POST", body: JSON.stringify({ text }) });
			if (res.status !== 201) throw new Error(`baseline send ${res.status}`);
			await res.arrayBuffer();
		},
	};
}

/** Opens `n` idle sockets and reports RSS growth per socket for the process tree under `root`. */
async function idleMemory(target: FanoutTarget, n: number, root: number, proxyPids = new Set<number>()) {
	global.gc?.();
	await sleep(2000);
	const before = rssOf(root, proxyPids);
	const fdsBefore = workerdFds(root, proxyPids);
	const t0 = Date.now();
	// Two halves over the same users: the second half finds every Durable Object
	// already awake, so its growth is the sockets' own cost.
	const half = Math.floor(n / 2);
	const sockets = await openSockets(target, half);
	await sleep(5000);
	const mid = rssOf(root, proxyPids);
	sockets.push(...(await openSockets({ ...target, url: (i) => target.url(half + i) }, n - half)));
	const openS = (Date.now() - t0) / 1000 - 5;
	await sleep(5000);
	const after = rssOf(root, proxyPids);
	const fdsAfter = workerdFds(root, proxyPids);
	// Idle Durable Objects hibernate: measure again once they have had time to.
	await sleep(25_000);
	const later = rssOf(root, proxyPids);
	const alive = sockets.filter((ws) => ws.readyState === ws.OPEN).length;
	for (const ws of sockets) ws.terminate();
	const per = (a: number, b: number) => Math.round((b - a) / n);
	return {
		sockets: n,
		open_seconds: round(openS),
		workerd_rss_before_mib: round(before.workerd / 2 ** 20),
		workerd_rss_after_mib: round(after.workerd / 2 ** 20),
		proxy_rss_before_mib: round(before.proxy / 2 ** 20),
		proxy_rss_after_mib: round(after.proxy / 2 ** 20),
		workerd_bytes_per_socket: per(before.workerd, after.workerd),
		proxy_bytes_per_socket: per(before.proxy, after.proxy),
		total_bytes_per_socket: per(before.workerd + before.proxy, after.workerd + after.proxy),
		after_30s_total_bytes_per_socket: per(before.workerd + before.proxy, later.workerd + later.proxy),
		still_open_after_30s: alive,
		second_half_total_bytes_per_socket: Math.round(
			(after.workerd + after.proxy - mid.workerd - mid.proxy) / Math.max(1, n - half),
		),
		server_fds_per_socket: round((fdsAfter - fdsBefore) / n),
	};
}

async function main() {
	console.log(
		`[bench/fanout] ${CLIENTS} clients × ${MESSAGES} messages (concurrency ${CONC}); ${IDLE} idle; tmp ${tmp}`,
	);
	const snapshot = join(tmp, "src");
	mkdirSync(snapshot);
	if (!/^[\w./-]+$/.test(REF)) throw new Error(`--ref ${REF}: not a git ref`);
	execSync(`git archive ${REF} | tar -x -C ${snapshot}`, { cwd: repo });
	symlinkSync(join(repo, "node_modules"), join(snapshot, "node_modules"));
	// Quiet logs: one line per request would cost the Worker more than the work measured.
	writeFileSync(
		join(snapshot, ".dev.vars"),
		`${readFileSync(join(repo, ".dev.vars"), "utf8")}\nLOG_LEVEL=error\n`,
	);
	const state = join(tmp, "state");
	const wr = (args: string[]) =>
		execFileSync("npx", ["wrangler", ...args], {
			cwd: snapshot,
			stdio: "ignore",
			env: { ...process.env, CI: "1" },
		});

	const chatId = uuid(1, 9);
	const fanUsers = Array.from({ length: CLIENTS + 1 }, (_, i) => uuid(i + 1, 1));
	const idleUsers = Array.from({ length: Math.ceil(IDLE / DEVICES_PER_IDLE_USER) }, (_, i) => uuid(i + 1, 2));
	writeFileSync(join(tmp, "seed.sql"), seedSql(chatId, fanUsers, idleUsers));
	wr(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);
	wr(["d1", "execute", "DB", "--local", "--persist-to", state, "--file", join(tmp, "seed.sql")]);
	const tokens = new Map<string, string>();
	for (const id of [...fanUsers, ...idleUsers]) tokens.set(id, await token(id));

	// Baseline server first (its own process), measured with the same client code.
	const bPort = await freePort();
	const baseline = spawn(process.execPath, [join(repo, "bench/fanout/baseline-server.ts"), String(bPort)], {
		stdio: "ignore",
	});
	children.push(baseline);
	const bBase = `http://127.0.0.1:${bPort}`;
	await waitFor(`${bBase}/health`, 20_000);
	console.log("[bench/fanout] baseline fan-out…");
	const baseFan = await fanout(baselineTarget(bBase, baseline.pid), CLIENTS, MESSAGES, CONC);
	console.log(baseFan);
	console.log(`[bench/fanout] baseline latency at ${RATE} msgs/s…`);
	const baseLat = await fanout(baselineTarget(bBase, baseline.pid), CLIENTS, RATE_MESSAGES, CONC, RATE);
	console.log(baseLat);

	const port = await freePort();
	// wrangler's own output, kept after the run for diagnosis.
	const logFd = openSync("/tmp/hatch-bench-fanout-wrangler.log", "w");
	const wrangler = startWrangler(snapshot, String(port), state, logFd);
	children.push(wrangler);
	const proxyBase = `http://127.0.0.1:${port}`;
	await waitFor(`${proxyBase}/health`, 180_000);
	const root = wrangler.pid as number;
	const fds = setInterval(() => {
		for (const p of tree(root)) {
			try {
				if (p.name !== "workerd") continue;
				const n = readdirSync(`/proc/${p.pid}/fd`).length;
				if (n > peakFds + 500) console.log(`[bench/fanout] workerd fds ${n}`);
				peakFds = Math.max(peakFds, n);
			} catch {}
		}
	}, 1000);
	// A run that fails must still exit (the sampler alone would keep it alive).
	fds.unref();
	// The workerd listening on wrangler's port runs the ProxyWorker; the other one runs Hatch.
	const proxyPids = proxyPidsOf(workerdPorts(root), port);
	const direct = await directBase(root, port, async (base) => {
		const r = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
		return r.ok && ((await r.json()) as { service?: string }).service === "hatch";
	});
	console.log(`[bench/fanout] wrangler on ${proxyBase}; workerd direct ${direct || "not found"}`);
	const receivers = fanUsers.slice(1);
	const sender = await token(fanUsers[0] as string);
	// Warm-up: a few messages so every Durable Object and code path is hot.
	const warm = Math.min(50, receivers.length);
	const fanBase = direct || proxyBase;
	await fanout(
		hatchTarget(fanBase, chatId, receivers.slice(0, warm), sender, tokens, "chat"),
		warm,
		20,
		CONC,
	);

	let hatchIdle: Awaited<ReturnType<typeof idleMemory>> | null = null;
	let baseIdle: Awaited<ReturnType<typeof idleMemory>> | null = null;
	if (IDLE > 0) {
		console.log("[bench/fanout] idle connections…");
		const idleBase = direct || proxyBase;
		const idleTarget: FanoutTarget = {
			...hatchTarget(idleBase, chatId, [], sender, tokens),
			async url(i) {
				const userId = idleUsers[i % idleUsers.length] as string;
				const res = await fetch(`${idleBase}/v1/ws/ticket`, {
					method: "POST",
					headers: { Authorization: `Bearer ${tokens.get(userId)}` },
				});
				const { ticket } = (await res.json()) as { ticket: string };
				return `${idleBase.replace("http", "ws")}/v1/ws?ticket=${encodeURIComponent(ticket)}`;
			},
			subscribe: undefined,
		};
		// Idle first, on a fresh runtime, so the fan-out's garbage does not blur the per-socket figure.
		hatchIdle = await idleMemory(idleTarget, IDLE, root, proxyPids);
		console.log(hatchIdle);
		baseIdle = await idleMemory(baselineTarget(bBase), IDLE, baseline.pid as number);
		console.log(baseIdle);
		// Kept if the fan-out below fails.
		writeFileSync(
			join(repo, "bench/results/fanout.partial.json"),
			`${JSON.stringify({ baseFan, hatchIdle, baseIdle }, null, 2)}\n`,
		);
	}

	console.log(
		`[bench/fanout] hatch fan-out on chat-viewing sockets (${direct ? "straight to workerd" : "via proxy"})…`,
	);
	// Every process wrangler started (workerd running Hatch, the proxy's workerd, wrangler itself).
	const hatchCpu = () => cpuSeconds(tree(root).map((p) => p.pid));
	const hatchChat = await fanout(
		{ ...hatchTarget(fanBase, chatId, receivers, sender, tokens, "chat"), cpu: hatchCpu },
		CLIENTS,
		MESSAGES,
		CONC,
	);
	console.log(hatchChat);
	console.log(
		"[bench/fanout] hatch fan-out on chat-viewing sockets that asked for batched frames (batch=1)…",
	);
	const hatchBatch = await fanout(
		{ ...hatchTarget(fanBase, chatId, receivers, sender, tokens, "chat-batch"), cpu: hatchCpu },
		CLIENTS,
		MESSAGES,
		CONC,
	);
	console.log(hatchBatch);
	console.log(`[bench/fanout] hatch latency at ${RATE} msgs/s…`);
	const hatchLat = await fanout(
		{ ...hatchTarget(fanBase, chatId, receivers, sender, tokens, "chat"), cpu: hatchCpu },
		CLIENTS,
		RATE_MESSAGES,
		CONC,
		RATE,
	);
	console.log(hatchLat);
	let hatchHub = null;
	if (values["hub-fanout"]) {
		console.log("[bench/fanout] hatch fan-out on hub sockets via the wrangler proxy…");
		hatchHub = await fanout(
			hatchTarget(proxyBase, chatId, receivers, sender, tokens),
			CLIENTS,
			MESSAGES,
			CONC,
		);
		console.log(hatchHub);
	}

	clearInterval(fds);
	console.log(`[bench/fanout] peak workerd fds: ${peakFds}`);
	const floorLat = await floorLatency();
	console.log(floorLat);

	const result = {
		bench: "fanout",
		date: new Date().toISOString(),
		machine: {
			cpus: (await import("node:os")).cpus().length,
			load_average_at_end: loadavg().map((x) => round(x)),
		},
		setup: {
			clients: CLIENTS,
			messages: MESSAGES,
			sender_concurrency: CONC,
			latency_rate_msgs_per_s: RATE,
			latency_messages: RATE_MESSAGES,
			handshake_retries_after_reset: 0,
			peak_workerd_fds: 0,
			transport: "json",
			hatch_fanout_path: direct
				? "chat-viewing sockets straight to workerd"
				: "chat-viewing sockets via the wrangler proxy",
			hatch:
				"wrangler dev (workerd, local D1/DO), snapshot of HEAD, LOG_LEVEL=error; each client a different user, all in one group chat with it open (GET /v1/chats/{id}/ws)",
			baseline: "Node `ws` broadcast server, one process, POST /send → broadcast",
		},
		baseline: { fanout: baseFan, latency_at_rate: baseLat, idle: baseIdle },
		floor: { latency_at_rate: floorLat },
		hatch: {
			fanout_chat_sockets: hatchChat,
			fanout_chat_sockets_batched: hatchBatch,
			latency_at_rate_chat_sockets: hatchLat,
			fanout_hub_sockets_via_proxy: hatchHub,
			idle_direct_workerd: hatchIdle,
		},
		ratios: {
			throughput_chat_sockets_over_baseline: round(hatchChat.msgs_per_s / baseFan.msgs_per_s, 3),
			throughput_batched_chat_sockets_over_baseline: round(hatchBatch.msgs_per_s / baseFan.msgs_per_s, 3),
			throughput_hub_sockets_over_baseline: hatchHub
				? round(hatchHub.msgs_per_s / baseFan.msgs_per_s, 3)
				: null,
			idle_bytes_per_socket_hatch_over_baseline:
				hatchIdle && baseIdle
					? round(hatchIdle.total_bytes_per_socket / Math.max(1, baseIdle.total_bytes_per_socket), 2)
					: null,
		},
		targets: {
			throughput_at_least_half_baseline: hatchChat.msgs_per_s >= baseFan.msgs_per_s / 2,
			throughput_at_least_half_baseline_batched: hatchBatch.msgs_per_s >= baseFan.msgs_per_s / 2,
			p99_under_50ms_at_rate: hatchLat.p99_ms < 50,
		},
	};
	result.setup.handshake_retries_after_reset = retries.count;
	result.setup.peak_workerd_fds = peakFds;
	mkdirSync(join(repo, "bench/results"), { recursive: true });
	writeFileSync(join(repo, "bench/results/fanout.json"), `${JSON.stringify(result, null, 2)}\n`);
	writeFileSync(join(repo, "bench/results/fanout.md"), markdown(result));
	// The partial file only matters when a run dies after the idle phase.
	rmSync(join(repo, "bench/results/fanout.partial.json"), { force: true });
	console.log(markdown(result));
}

function markdown(r: {
	date: string;
	machine: { cpus: number; load_average_at_end: number[] };
	setup: { sender_concurrency: number; hatch_fanout_path: string; latency_rate_msgs_per_s: number };
	baseline: {
		fanout: Awaited<ReturnType<typeof fanout>>;
		latency_at_rate: Awaited<ReturnType<typeof fanout>>;
		idle: Awaited<ReturnType<typeof idleMemory>> | null;
	};
	floor: { latency_at_rate: Awaited<ReturnType<typeof fanout>> };
	hatch: {
		fanout_chat_sockets: Awaited<ReturnType<typeof fanout>>;
		fanout_chat_sockets_batched: Awaited<ReturnType<typeof fanout>>;
		latency_at_rate_chat_sockets: Awaited<ReturnType<typeof fanout>>;
		fanout_hub_sockets_via_proxy: Awaited<ReturnType<typeof fanout>> | null;
		idle_direct_workerd: Awaited<ReturnType<typeof idleMemory>> | null;
	};
	ratios: Record<string, number | null>;
	targets: {
		throughput_at_least_half_baseline: boolean;
		throughput_at_least_half_baseline_batched: boolean;
		p99_under_50ms_at_rate: boolean;
	};
}) {
	const row = (name: string, f: Awaited<ReturnType<typeof fanout>> | null) =>
		f
			? `| ${name} | ${f.delivered}/${f.expected} | ${f.seconds} | ${f.msgs_per_s} | ${f.p50_ms} | ${f.p99_ms} | ${f.max_ms} | ${f.out_of_order} | ${f.server_cpu_us_per_delivery} |`
			: `| ${name} | – | – | – | – | – | – | – | – |`;
	const b = r.baseline.idle;
	const h = r.hatch.idle_direct_workerd;
	return [
		"# Fan-out bench",
		"",
		`${r.date}, ${r.machine.cpus} CPUs (shared with other work; load average at end ${r.machine.load_average_at_end.join(", ")}). Produced by \`bench/fanout/run.ts\`.`,
		"",
		`## ${r.baseline.fanout.clients} clients in one chat, ${r.baseline.fanout.messages} messages`,
		"",
		"| server | delivered | seconds | delivered msgs/s | p50 ms | p99 ms | max ms | out of order | server CPU µs per delivery |",
		"|---|---|---|---|---|---|---|---|---|",
		row("baseline (`ws` broadcast)", r.baseline.fanout),
		row(`Hatch, ${r.setup.hatch_fanout_path}`, r.hatch.fanout_chat_sockets),
		row(
			"Hatch, the same sockets with `batch=1` (several events per frame under load)",
			r.hatch.fanout_chat_sockets_batched,
		),
		row("Hatch, hub sockets via the wrangler proxy (`--hub-fanout`)", r.hatch.fanout_hub_sockets_via_proxy),
		"",
		`### Latency at a steady ${r.setup.latency_rate_msgs_per_s} messages/s (open loop, from each message's due time)`,
		"",
		"| server | delivered | seconds | delivered msgs/s | p50 ms | p99 ms | max ms | out of order | server CPU µs per delivery |",
		"|---|---|---|---|---|---|---|---|---|",
		row("baseline (`ws` broadcast)", r.baseline.latency_at_rate),
		row(`Hatch, ${r.setup.hatch_fanout_path}`, r.hatch.latency_at_rate_chat_sockets),
		row(
			`floor: a bare Durable Object on the same workerd writing each message to the same ${r.baseline.fanout.clients} hibernatable sockets (bench/fanout/send-cost/worker.ts)`,
			r.floor.latency_at_rate,
		),
		"",
		"The floor row is what workerd itself needs here to write one frame to each socket per message, with no auth, storage of messages, receipts or anything else: one JavaScript thread runs every Durable Object of a `wrangler dev`, at about 35-40 µs of CPU per frame when each message is its own turn of the event loop.",
		"",
		`Sender (throughput table): REST, ${r.setup.sender_concurrency} requests in flight, as fast as the server takes them, so its latencies are mostly queueing.`,
		"",
		"Each client is a different user with the chat open on a chat-viewing socket (the ChatRoom writes each message to all of them in one loop, encoded once; under load its outbox lets events that arrive within 5 ms go out together: one frame each, or one `events` frame per socket for sockets opened with `batch=1`). The latency run starts after a warm-up and once the server's processes are quiet (under 10 % of a core), so it measures the steady state, not the handshakes.",
		"",
		`Throughput ratio Hatch/baseline: **${r.ratios.throughput_chat_sockets_over_baseline}** on chat sockets, one frame per event; **${r.ratios.throughput_batched_chat_sockets_over_baseline}** with \`batch=1\` (≥ 0.5: ${r.targets.throughput_at_least_half_baseline_batched ? "met" : "missed"})${r.ratios.throughput_hub_sockets_over_baseline === null ? "" : `, ${r.ratios.throughput_hub_sockets_over_baseline} on hub sockets`}. Targets: throughput ≥ 0.5× baseline **${r.targets.throughput_at_least_half_baseline ? "met" : "missed"}**, p99 < 50 ms at ${r.setup.latency_rate_msgs_per_s} msgs/s **${r.targets.p99_under_50ms_at_rate ? "met" : "missed"}**.`,
		"",
		...(b && h
			? idleMd(b, h, r.ratios.idle_bytes_per_socket_hatch_over_baseline ?? null)
			: ["Idle phase not run (`--idle 0`).", ""]),
	].join("\n");
}

function idleMd(
	b: Awaited<ReturnType<typeof idleMemory>>,
	h: Awaited<ReturnType<typeof idleMemory>>,
	ratio: number | null,
) {
	return [
		`## ${h.sockets} idle connections (hub sockets, ${h.sockets / 10} users × 10 devices)`,
		"",
		"| server | RSS before → after (MiB) | bytes per socket (5 s after opening) | after 30 s | server fds per socket |",
		"|---|---|---|---|---|",
		`| baseline (\`ws\`, one Node process) | ${b.workerd_rss_before_mib + b.proxy_rss_before_mib} → ${b.workerd_rss_after_mib + b.proxy_rss_after_mib} | ${b.total_bytes_per_socket} | ${b.after_30s_total_bytes_per_socket} | – |`,
		`| Hatch workerd | ${h.workerd_rss_before_mib} → ${h.workerd_rss_after_mib} | ${h.workerd_bytes_per_socket} | – | ${h.server_fds_per_socket} |`,
		`| Hatch wrangler proxy (not on the path: sockets go straight to workerd) | ${h.proxy_rss_before_mib} → ${h.proxy_rss_after_mib} | ${h.proxy_bytes_per_socket} | – | – |`,
		`| Hatch, every process | | ${h.total_bytes_per_socket} | ${h.after_30s_total_bytes_per_socket} | |`,
		`| Hatch, every process, second half only (every hub already awake) | | ${h.second_half_total_bytes_per_socket} | | |`,
		`| baseline, second half only | | ${b.second_half_total_bytes_per_socket} | | |`,
		"",
		`Hatch/baseline bytes per idle socket (every process): ${ratio}. Sockets still open after 30 s: Hatch ${h.still_open_after_30s}/${h.sockets}, baseline ${b.still_open_after_30s}/${b.sockets}.`,
		"",
		"Why not 10,000: workerd keeps about two descriptors per accepted WebSocket and three per awake Durable Object, and this machine caps a process at 20,000 open files.",
		"",
	];
}

/**
 * The same latency run against bench/fanout/send-cost's bare Durable Object:
 * the least workerd needs on this machine to write each message to the same
 * number of hibernatable sockets, measured with the same client.
 */
async function floorLatency() {
	console.log(`[bench/fanout] floor: a bare Durable Object at ${RATE} msgs/s…`);
	const port = await freePort();
	const w = startWrangler(join(repo, "bench/fanout/send-cost"), String(port), join(tmp, "floor-state"));
	children.push(w);
	try {
		await waitFor(`http://127.0.0.1:${port}/send?n=0`, 120_000);
		const root = w.pid as number;
		const base = await directBase(root, port, barePing);
		if (!base) throw new Error("the bare Durable Object's own port was not found");
		return await fanout(
			{
				...baselineTarget(base),
				url: async () => `${base.replace("http", "ws")}/ws`,
				cpu: () => cpuSeconds(tree(root).map((p) => p.pid)),
			},
			CLIENTS,
			RATE_MESSAGES,
			CONC,
			RATE,
		);
	} finally {
		try {
			process.kill(-(w.pid as number), "SIGTERM");
		} catch {}
	}
}

function stop() {
	for (const c of children) {
		try {
			if (c.pid) process.kill(c === children[0] ? c.pid : -c.pid, "SIGTERM");
		} catch {}
	}
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		stop();
		rmSync(tmp, { recursive: true, force: true });
		process.exit(130);
	});
}
main()
	.catch((err) => {
		console.error(err);
		process.exitCode = 1;
	})
	.finally(() => {
		stop();
		void tree;
		void pool;
		setTimeout(() => rmSync(tmp, { recursive: true, force: true }), 1000);
	});

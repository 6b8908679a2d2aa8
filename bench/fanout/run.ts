// Fan-out bench (issue 14's targets): Hatch on `wrangler dev` against three
// baselines measured in the same run with the same client (lib.ts):
//   - `ws`: a minimal Node broadcast server (baseline-server.ts);
//   - floor: a bare Durable Object writing each message to its hibernating
//     sockets, nothing else (send-cost/worker.ts);
//   - store: a "store and broadcast" Durable Object, workers-chat-demo's
//     pattern: each message written to its SQLite storage, then to every
//     hibernating socket (store-broadcast/worker.ts);
//   - Hatch: one group chat, each receiver a different user with the chat
//     open on a chat-viewing socket (GET /v1/chats/{id}/ws) straight to
//     workerd's own port; the sender posts over REST.
// Phases (--phases, comma-separated; all by default):
//   steady  open loop at --rate msgs/s to --clients sockets: p50/p99 from each
//           message's due time, server CPU per delivery (/proc stat deltas of
//           the server's processes: workerd for the Durable Objects and Hatch);
//   max     --messages as fast as the server takes them (--concurrency in
//           flight): deliveries/s, one frame per event and with batch=1;
//   joins   --clients sockets open (50 handshakes in flight; Hatch's include
//           minting a ticket): seconds until every one said hello;
//   idle    --idle idle sockets (Hatch: chat-viewing sockets of --idle-users
//           users): resident memory growth per socket, every process;
//   group   a --group-members group built through the API (invite + accept
//           each member): accept cost at 10 and at N members, build time.
// Writes bench/results/fanout.json and fanout.md; prints each figure next to
// the baselines as ratios, with the machine's load (`uptime`).
//
//   npm run bench:fanout -- [--phases steady,max,joins,idle,group] [--clients 1000] [--rate 10]
//     [--rate-messages 200] [--messages 1000] [--idle 8000] [--group-members 1000] [--port-base 9500]
//
// Bounded: every wait has a timeout; servers listen on 127.0.0.1 only; Hatch
// runs a snapshot of the committed tree (`git archive`, --ref) with its state
// in a temporary directory.
import { type ChildProcess, execFileSync, execSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startProfile } from "../lib/cpu-profile.ts";
import { cpuSeconds } from "../lib/proc.ts";
import { startWrangler, waitFor } from "../lib/wrangler.ts";
import { buildGroup, type GroupResult } from "./group.ts";
import {
	barePing,
	directBase,
	type FanoutResult,
	fanout,
	freePort,
	type IdleResult,
	idleMemory,
	type JoinResult,
	joins,
	serverPids,
	tree,
} from "./lib.ts";
import { markdown } from "./report.ts";
import type { Profiled } from "./result.ts";
import { devSecrets, hatchTarget, plainTarget, seedSql, token, uuid } from "./targets.ts";

const { values } = parseArgs({
	options: {
		phases: { type: "string", default: "steady,max,joins,idle,group" },
		clients: { type: "string", default: "1000" },
		messages: { type: "string", default: "1000" },
		concurrency: { type: "string", default: "32" },
		rate: { type: "string", default: "10" },
		"rate-messages": { type: "string", default: "200" },
		idle: { type: "string", default: "8000" },
		"idle-users": { type: "string", default: "400" },
		"group-members": { type: "string", default: "1000" },
		"group-concurrency": { type: "string", default: "8" },
		"port-base": { type: "string", default: "0" },
		ref: { type: "string", default: "HEAD" },
		/** Which servers run (comma-separated): a quick Hatch-only profile skips the baselines. */
		servers: { type: "string", default: "ws,floor,store,hatch,hatch_batch" },
		/** After the measured steady runs, one more Hatch run (one frame per event) sampled through the inspector. */
		profile: { type: "boolean", default: false },
		/**
		 * Other Hatch trees measured in the same run (`name=ref,…`), e.g. main before a change or a
		 * tree with one part of the room's work cut out: rows `hatch@name` in the steady and max phases.
		 */
		variants: { type: "string", default: "" },
	},
});
const PHASES = new Set(values.phases.split(","));
const CLIENTS = Number(values.clients);
const MESSAGES = Number(values.messages);
const CONC = Number(values.concurrency);
const RATE = Number(values.rate);
const RATE_MESSAGES = Number(values["rate-messages"]);
const IDLE = Number(values.idle);
const IDLE_USERS = Math.min(Number(values["idle-users"]), CLIENTS);
const GROUP = Number(values["group-members"]);
const PORT_BASE = Number(values["port-base"]);
const SERVERS = new Set(values.servers.split(","));
const repo = process.cwd();
const tmp = mkdtempSync(join(tmpdir(), "hatch-bench-fanout-"));
const children: ChildProcess[] = [];
const log = (s: string) => console.log(`[bench/fanout] ${s}`);
const uptime = () => execSync("uptime", { encoding: "utf8" }).trim();

let nextPort = 0;
/** Ports from --port-base up (the range a shared machine gives this run), else free ones. */
async function port() {
	return PORT_BASE ? PORT_BASE + nextPort++ : freePort();
}

/** A wrangler dev of `dir`, its workerd's own base URL (past the proxy) and the pids that serve it. */
async function wranglerServer(dir: string, state: string, probe: (base: string) => Promise<boolean>) {
	const p = await port();
	const inspector = await port();
	const logFd = openSync(join(tmp, `wrangler-${p}.log`), "w");
	const w = startWrangler(dir, String(p), state, logFd, ["--inspector-port", String(inspector)]);
	children.push(w);
	await waitFor(`http://127.0.0.1:${p}/health`, 180_000).catch(async () => {
		await waitFor(`http://127.0.0.1:${p}/send?n=0`, 60_000);
	});
	const root = w.pid as number;
	// workerd may answer on its own port a little after wrangler's: ask again (bounded) on a busy machine.
	let base = "";
	for (let i = 0; i < 20 && !base; i++) {
		base = await directBase(root, p, probe);
		if (!base) await new Promise((r) => setTimeout(r, 1500));
	}
	if (!base) throw new Error(`${dir}: workerd's own port not found`);
	return {
		base,
		inspector,
		cpuPids: () => serverPids(root, p),
		allPids: () => tree(root).map((x) => x.pid),
	};
}

async function main() {
	log(`phases ${[...PHASES].join(",")}; ${CLIENTS} clients; tmp ${tmp}; ${uptime()}`);
	const loads: string[] = [uptime()];
	// Hatch: a snapshot of the committed tree, seeded with users and one chat.
	const chatId = uuid(1, 9);
	const fanUsers = Array.from({ length: CLIENTS + 1 }, (_, i) => uuid(i + 1, 1));
	const groupUsers = PHASES.has("group") ? Array.from({ length: GROUP }, (_, i) => uuid(i + 1, 3)) : [];
	writeFileSync(join(tmp, "seed.sql"), seedSql(chatId, fanUsers, groupUsers));
	/** A seeded snapshot of `ref` in tmp/<name>: its source directory and its local state. */
	const snapshotOf = (name: string, ref: string) => {
		const snapshot = join(tmp, name);
		mkdirSync(snapshot);
		if (!/^[\w./-]+$/.test(ref)) throw new Error(`${ref}: not a git ref`);
		execSync(`git archive ${ref} | tar -x -C ${snapshot}`, { cwd: repo });
		symlinkSync(join(repo, "node_modules"), join(snapshot, "node_modules"));
		writeFileSync(
			join(snapshot, ".dev.vars"),
			`${readFileSync(join(repo, ".dev.vars"), "utf8")}\nLOG_LEVEL=error\n`,
		);
		const state = join(tmp, `${name}-state`);
		const wr = (args: string[]) =>
			execFileSync("npx", ["wrangler", ...args], {
				cwd: snapshot,
				stdio: "ignore",
				env: { ...process.env, CI: "1" },
			});
		wr(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);
		wr(["d1", "execute", "DB", "--local", "--persist-to", state, "--file", join(tmp, "seed.sql")]);
		return { snapshot, state };
	};
	const { snapshot, state } = snapshotOf("src", values.ref);
	const variants = values.variants
		? values.variants.split(",").map((v) => {
				const [name, ref] = v.split("=") as [string, string];
				return { name, ref, ...snapshotOf(`variant-${name}`, ref) };
			})
		: [];
	const secrets = devSecrets(repo);
	const tokens = new Map<string, string>();
	for (const id of [...fanUsers, ...groupUsers]) tokens.set(id, await token(secrets, id));

	// The `ws` baseline.
	const bPort = await port();
	const baseline = spawn(process.execPath, [join(repo, "bench/fanout/baseline-server.ts"), String(bPort)], {
		stdio: "ignore",
	});
	children.push(baseline);
	const bBase = `http://127.0.0.1:${bPort}`;
	await waitFor(`${bBase}/health`, 20_000);
	const ws = plainTarget(bBase, "/", () => [baseline.pid as number]);
	const wsPids = () => [baseline.pid as number];

	log("starting the floor, the store-and-broadcast DO and Hatch…");
	const floorSrv = SERVERS.has("floor")
		? await wranglerServer(join(repo, "bench/fanout/send-cost"), join(tmp, "floor"), barePing)
		: null;
	const floor = floorSrv ? plainTarget(floorSrv.base, "/ws", floorSrv.cpuPids) : null;
	const storeSrv = SERVERS.has("store")
		? await wranglerServer(
				join(repo, "bench/fanout/store-broadcast"),
				join(tmp, "store"),
				async (b) => (await fetch(`${b}/health`, { signal: AbortSignal.timeout(2000) })).ok,
			)
		: null;
	const store = storeSrv ? plainTarget(storeSrv.base, "/ws", storeSrv.cpuPids) : null;
	const isHatch = async (b: string) => {
		const r = await fetch(`${b}/health`, { signal: AbortSignal.timeout(2000) });
		return r.ok && ((await r.json()) as { service?: string }).service === "hatch";
	};
	const hatchSrv = await wranglerServer(snapshot, state, isHatch);
	const variantSrvs: { name: string; ref: string; srv: Awaited<ReturnType<typeof wranglerServer>> }[] = [];
	for (const v of variants)
		variantSrvs.push({ name: v.name, ref: v.ref, srv: await wranglerServer(v.snapshot, v.state, isHatch) });
	let run = 0;
	const hatchOn = (
		srv: { base: string; cpuPids: () => number[] },
		batch: boolean,
		receivers = fanUsers.slice(1),
	) =>
		hatchTarget({
			base: srv.base,
			chatId,
			receivers,
			sender: tokens.get(fanUsers[0] as string) as string,
			tokens,
			batch,
			cpu: () => cpuSeconds(srv.cpuPids()),
			run: `${Date.now()}-${++run}`,
		});
	const hatch = (batch: boolean, receivers = fanUsers.slice(1)) => hatchOn(hatchSrv, batch, receivers);
	/** The variants' rows: one frame per event (`hatch@name`), and with `batch=1` when `hatch_batch` runs. */
	const variantRows = () =>
		variantSrvs.flatMap(({ name, srv }) => [
			[`hatch@${name}`, hatchOn(srv, false)] as const,
			...(SERVERS.has("hatch_batch") ? [[`hatch_batch@${name}`, hatchOn(srv, true)] as const] : []),
		]);
	// Warm-up: every code path of every server hot before anything is measured.
	for (const t of [ws, floor, store]) if (t) await fanout(t, 50, 20, CONC);
	await fanout(hatch(false, fanUsers.slice(1, 51)), 50, 20, CONC);
	for (const { srv } of variantSrvs) await fanout(hatchOn(srv, false, fanUsers.slice(1, 51)), 50, 20, CONC);

	/** The rows of a phase whose server runs (--servers). */
	const chosen = <T extends readonly [string, ...unknown[]]>(rows: T[]) =>
		rows.filter(([name]) => {
			// A variant's row runs with its server's: `hatch@before` with `hatch`, `hatch_batch@before` with `hatch_batch`.
			const server = name.split("@")[0] as string;
			return SERVERS.has(server === "hatch_again" ? "hatch" : server);
		});
	const steady: Record<string, FanoutResult> = {};
	const max: Record<string, FanoutResult> = {};
	const join_: Record<string, JoinResult> = {};
	const idle: Record<string, IdleResult> = {};
	let group: GroupResult | null = null;
	let profile: Profiled | null = null;
	// Written after every phase, so a run stopped part way keeps what it measured.
	const save = () => {
		const result = {
			bench: "fanout",
			date: new Date().toISOString(),
			ref: execSync(`git rev-parse --short ${values.ref}`, { cwd: repo, encoding: "utf8" }).trim(),
			argv: process.argv.slice(2).join(" "),
			variants: variantSrvs.map(({ name, ref }) => ({
				name,
				ref: execSync(`git rev-parse --short ${ref}`, { cwd: repo, encoding: "utf8" }).trim(),
			})),
			machine: { cpus: cpus().length, uptime: loads },
			setup: {
				clients: CLIENTS,
				rate: RATE,
				rate_messages: RATE_MESSAGES,
				messages: MESSAGES,
				concurrency: CONC,
				idle: IDLE,
				idle_users: IDLE_USERS,
			},
			steady,
			max,
			joins: join_,
			idle,
			group,
			profile,
		};
		mkdirSync(join(repo, "bench/results"), { recursive: true });
		writeFileSync(join(repo, "bench/results/fanout.json"), `${JSON.stringify(result, null, 2)}\n`);
		const md = markdown(result);
		writeFileSync(join(repo, "bench/results/fanout.md"), md);
		return md;
	};
	if (PHASES.has("steady")) {
		for (const [name, t] of chosen([
			["ws", ws],
			["floor", floor],
			["store", store],
			["hatch", hatch(false)],
			["hatch_batch", hatch(true)],
			...variantRows(),
		] as const)) {
			if (!t) continue;
			log(`steady ${RATE} msgs/s: ${name}…`);
			steady[name] = await fanout(t, CLIENTS, RATE_MESSAGES, CONC, RATE);
			log(JSON.stringify(steady[name]));
		}
		if (values.profile) {
			// A separate run: sampling costs CPU itself, so the figures above are unsampled.
			log(`steady ${RATE} msgs/s: hatch, profiled…`);
			let sampling: Awaited<ReturnType<typeof startProfile>> | null = null;
			let top: Awaited<ReturnType<Awaited<ReturnType<typeof startProfile>>["stop"]>> | undefined;
			const sampled = await fanout(hatch(false), CLIENTS, RATE_MESSAGES, CONC, RATE, {
				async measuring() {
					sampling = await startProfile(hatchSrv.inspector, 250);
				},
				// Stopped before the sockets close: their close handlers are not the steady state.
				async measured() {
					top = await (sampling as Awaited<ReturnType<typeof startProfile>> | null)?.stop(40);
				},
			});
			profile = { run: sampled, ...top };
			log(JSON.stringify(profile));
		}
		loads.push(uptime());
		save();
	}
	if (PHASES.has("max")) {
		for (const [name, t] of chosen([
			["ws", ws],
			["store", store],
			["hatch", hatch(false)],
			["hatch_batch", hatch(true)],
			...variantRows(),
		] as const)) {
			if (!t) continue;
			log(`max rate: ${name}…`);
			max[name] = await fanout(t, CLIENTS, MESSAGES, CONC);
			log(JSON.stringify(max[name]));
		}
		loads.push(uptime());
		save();
	}
	if (PHASES.has("joins")) {
		for (const [name, t] of chosen([
			["ws", ws],
			["store", store],
			["hatch", hatch(true)],
			// Again: every user's hub already exists (the first run created them).
			["hatch_again", hatch(true)],
		] as const)) {
			if (!t) continue;
			log(`joins: ${name}…`);
			join_[name] = await joins(t, CLIENTS);
			log(JSON.stringify(join_[name]));
		}
		loads.push(uptime());
		save();
	}
	if (PHASES.has("idle") && IDLE > 0) {
		for (const [name, t, pids] of chosen([
			["ws", ws, wsPids],
			["store", store, () => storeSrv?.allPids() ?? []],
			["hatch", hatch(true, fanUsers.slice(1, 1 + IDLE_USERS)), hatchSrv.allPids],
		] as const)) {
			if (!t) continue;
			log(`idle ${IDLE}: ${name}…`);
			idle[name] = await idleMemory(t, IDLE, pids);
			log(JSON.stringify(idle[name]));
		}
		loads.push(uptime());
		save();
	}
	if (PHASES.has("group")) {
		log(`group of ${GROUP}…`);
		group = await buildGroup(hatchSrv.base, groupUsers, tokens, {
			small: 10,
			probes: 10,
			concurrency: Number(values["group-concurrency"]),
			cpu: () => cpuSeconds(hatchSrv.cpuPids()),
		});
		log(JSON.stringify(group));
		loads.push(uptime());
		save();
	}

	console.log(save());
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
		setTimeout(() => rmSync(tmp, { recursive: true, force: true }), 1000);
	});

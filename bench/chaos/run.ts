// Chaos suite (issue 13): messages across 50 chats and 500 sockets on
// `wrangler dev` while this driver drops sockets at random, kills and
// restarts the dev server (same persisted state) and evicts Durable Objects
// (the dev-only POST /v1/dev/evict, which aborts a ChatRoom or UserHub: its
// memory goes and its sockets are disconnected). Then a campaign against sipp
// while the dialer process is killed and restarted (bench/chaos/campaign.ts).
// Checks at the end: every client holds every message of its chats once, in
// seq order; D1's chat index agrees with each ChatRoom's log (REST); no
// number dialed twice for one attempt; every contact in a terminal state.
// Writes bench/results/chaos.{json,md}.
//
//   npm run chaos -- [--messages 100000] [--minutes 60] [--seed 1] [--port 8890] [--no-campaign]
//
// Ports: wrangler 8890 (inspector 8891), dialer 8892, sipp UDP 25890, dialer SIP 25891,
// RTP 25892-25898, sipp's RTP sink 25899. Everything binds 127.0.0.1.
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tree } from "../fanout/lib.ts";
import { cpuSeconds } from "../lib/proc.ts";
import { runBench, snapshotHead, startWrangler, stopGroup, waitFor } from "../lib/wrangler.ts";
import { type CampaignFigures, runCampaign } from "./campaign.ts";
import { ChaosClient, type ClientSpec, newCounters } from "./client.ts";
import { chaosMarkdown } from "./report.ts";
import { makeWorld, rng, seedSql, tokenSigner } from "./seed.ts";

const { values } = parseArgs({
	options: {
		messages: { type: "string", default: "100000" },
		minutes: { type: "string", default: "60" },
		seed: { type: "string", default: "1" },
		port: { type: "string", default: "8890" },
		chats: { type: "string", default: "50" },
		sockets: { type: "string", default: "500" },
		users: { type: "string", default: "100" },
		restarts: { type: "string", default: "3" },
		"in-flight": { type: "string", default: "24" },
		"no-campaign": { type: "boolean", default: false },
		"campaign-contacts": { type: "string", default: "40" },
	},
});
const MESSAGES = Number(values.messages);
const MINUTES = Number(values.minutes);
const SEED = Number(values.seed);
const PORT = Number(values.port);
const SOCKETS = Number(values.sockets);
const RESTARTS = Number(values.restarts);
const IN_FLIGHT = Number(values["in-flight"]);
const PER_CHAT = 10;
const repo = process.cwd();
const tmp = mkdtempSync(join(tmpdir(), "hatch-chaos-"));
const snap = join(tmp, "src");
const state = join(tmp, "state");
const base = `http://127.0.0.1:${PORT}`;
const rand = rng(SEED);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SEND_GRACE_MS = 120_000;

/** True when `p` settles by the time `by` (epoch ms), false when that time comes first; never throws. */
async function settleBy(p: Promise<unknown>, by: number): Promise<boolean> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const late = new Promise<false>((r) => {
		timer = setTimeout(() => r(false), Math.max(0, by - Date.now()));
	});
	try {
		return await Promise.race([p.then(() => true as const), late]);
	} catch (e) {
		console.log(`[chaos] ${e instanceof Error ? e.message : String(e)}`);
		return true;
	} finally {
		clearTimeout(timer);
	}
}
const r2 = (x: number) => Math.round(x * 100) / 100;
let wrangler: ChildProcess | undefined;

/** The snapshot's .dev.vars with the addresses this run uses. */
function writeVars(): Record<string, string> {
	const vars = Object.fromEntries(
		readFileSync(join(repo, ".dev.vars"), "utf8")
			.split("\n")
			.filter((l) => /^[A-Z_]+=/.test(l))
			.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
	) as Record<string, string>;
	Object.assign(vars, {
		ENVIRONMENT: "development",
		LOG_LEVEL: "error",
		PUBLIC_URL: base,
		JWT_ISSUER: base,
		DIALER_URL: `http://127.0.0.1:${PORT + 2}`,
		// The campaign calls sipp on loopback; the rest of the production list stays.
		SIP_HOST_DENY: "private,link-local,cgnat,multicast,reserved",
	});
	writeFileSync(
		join(snap, ".dev.vars"),
		Object.entries(vars)
			.map(([k, v]) => `${k}=${v}`)
			.join("\n"),
	);
	return vars;
}

const log = () => openSync(join(tmp, "wrangler.log"), "a");
let serverCpu = 0;
const groupCpu = () => (wrangler?.pid ? cpuSeconds(tree(wrangler.pid).map((p) => p.pid)) : 0);
async function startServer() {
	wrangler = startWrangler(snap, String(PORT), state, log(), ["--inspector-port", String(PORT + 1)]);
	await waitFor(`${base}/health`, 180_000);
}
/** Kills wrangler dev and workerd (SIGKILL, no clean shutdown), then starts it again on the same state. */
async function restartServer(): Promise<number> {
	const t0 = Date.now();
	serverCpu += groupCpu();
	const old = wrangler;
	if (old?.pid) {
		try {
			process.kill(-old.pid, "SIGKILL");
		} catch {}
		await new Promise((r) => (old.exitCode !== null ? r(null) : old.once("exit", r)));
	}
	await sleep(500);
	await startServer();
	return Date.now() - t0;
}

async function main() {
	const load0 = loadavg()[0] ?? 0;
	const started = Date.now();
	const deadline = started + MINUTES * 60_000;
	snapshotHead(repo, snap);
	const vars = writeVars();
	const audience =
		/JWT_AUDIENCE\s*=\s*"([^"]+)"/.exec(readFileSync(join(snap, "wrangler.toml"), "utf8"))?.[1] ?? "hatch";
	const sign = tokenSigner(vars.JWT_SECRET as string, base, audience);

	// ---- the world: users, chats, one session per client ----
	const world = makeWorld(Number(values.users), Number(values.chats), PER_CHAT, SOCKETS, rand);
	const specs: ClientSpec[] = [];
	const chatsOf = new Map<string, string[]>();
	for (const c of world.chats)
		for (const u of world.members.get(c) ?? []) chatsOf.set(u, [...(chatsOf.get(u) ?? []), c]);
	for (let i = 0; i < SOCKETS; i++) {
		const transport = i % 2 === 0 ? "json" : "msgpack";
		if (i % 2 === 0 || i % 4 === 1) {
			// three in four: a chat-viewing socket on a chat, by one of its members
			const chat = world.chats[i % world.chats.length] as string;
			const ms = world.members.get(chat) as string[];
			const user = ms[Math.floor(rand() * ms.length)] as string;
			specs.push({
				idx: i,
				kind: "viewer",
				userId: user,
				transport,
				chats: [chat],
				memberOf: chatsOf.get(user) ?? [],
			});
		} else {
			const user = world.users[i % world.users.length] as string;
			const mine = chatsOf.get(user) ?? [];
			const subs = mine.filter(() => rand() < 0.5).slice(0, 3);
			specs.push({
				idx: i,
				kind: "hub",
				userId: user,
				transport,
				chats: subs.length ? subs : mine.slice(0, 1),
				memberOf: mine,
			});
		}
	}
	const seed = join(tmp, "seed.sql");
	writeFileSync(
		seed,
		seedSql(
			world,
			specs.map((s) => s.userId),
		),
	);
	const wr = (args: string[]) =>
		execFileSync("npx", ["wrangler", ...args, "--local", "--persist-to", state], {
			cwd: snap,
			stdio: "pipe",
			env: { ...process.env, CI: "1" },
		});
	wr(["d1", "migrations", "apply", "DB"]);
	wr(["d1", "execute", "DB", "--file", seed]);
	await startServer();
	console.log(`[chaos] wrangler dev up on ${base}; ${SOCKETS} clients, ${world.chats.length} chats`);

	/** The messages under chaos; its figures. */
	async function chatPhase() {
		// ---- clients ----
		const counters = newCounters();
		const env = {
			base: () => base,
			counters,
			rand,
			async ticket(spec: ClientSpec) {
				const token = await sign(spec.userId, world.sessions[spec.idx] as string);
				const res = await fetch(`${base}/v1/ws/ticket`, {
					method: "POST",
					headers: { Authorization: `Bearer ${token}` },
					signal: AbortSignal.timeout(20_000),
				});
				if (!res.ok) throw new Error(`ticket ${res.status}`);
				return ((await res.json()) as { ticket: string }).ticket;
			},
		};
		const clients = specs.map((s) => new ChaosClient(s, env));
		for (let i = 0; i < clients.length; i += 25)
			await Promise.all(clients.slice(i, i + 25).map((c) => c.connect()));
		console.log(`[chaos] ${clients.filter((c) => c.open).length} sockets open`);

		// ---- sending, with chaos alongside ----
		const figures = {
			sent: 0,
			confirmed: 0,
			send_retries: 0,
			socket_sends: 0,
			rest_sends: 0,
			duplicate_stores: 0,
			kills: 0,
			restarts: 0,
			restart_ms: [] as number[],
			evictions: 0,
			eviction_failures: 0,
			unconfirmed_at_end: 0,
		};
		const sentSeq = new Map<string, number>(); // client_id → seq
		const inFlight = new Map<string, { attempt: number; sender: string; open: boolean }>(); // unconfirmed sends
		const lastError = new Map<string, string>(); // client_id → the last failure of its send
		const sentChat = new Map<string, string>(); // client_id → chat
		let stopChaos = false;
		let restarting: Promise<void> | null = null;
		const sendStart = Date.now();
		const restartAt = Array.from({ length: RESTARTS }, (_, k) =>
			Math.floor(((k + 1) * MESSAGES) / (RESTARTS + 1)),
		);
		const chaos = (async () => {
			let tick = 0;
			while (!stopChaos) {
				await sleep(250);
				tick++;
				if (restarting) continue;
				// drop one or two sockets about every half second
				if (rand() < 0.5) {
					const open = clients.filter((c) => c.open);
					const victim = open[Math.floor(rand() * open.length)];
					if (victim) {
						victim.kill();
						figures.kills++;
					}
				}
				// evict a Durable Object about every 2 s (a room or a hub)
				if (tick % 8 === 0) {
					const chat = rand() < 0.6;
					const id = chat
						? world.chats[Math.floor(rand() * world.chats.length)]
						: world.users[Math.floor(rand() * world.users.length)];
					try {
						const res = await fetch(`${base}/v1/dev/evict`, {
							method: "POST",
							headers: { "Content-Type": "application/json" },
							body: JSON.stringify({ kind: chat ? "chat" : "hub", id }),
							signal: AbortSignal.timeout(10_000),
						});
						if (res.status === 204) figures.evictions++;
						else figures.eviction_failures++;
					} catch {
						figures.eviction_failures++;
					}
				}
				// Restarts are spread over the messages, or over the time when --minutes ends the run first.
				const byTime =
					(Date.now() - sendStart) / (deadline - sendStart) >=
					(RESTARTS - restartAt.length + 1) / (RESTARTS + 1);
				if (restartAt.length && (figures.confirmed >= (restartAt[0] as number) || byTime)) {
					restartAt.shift();
					restarting = (async () => {
						console.log(`[chaos] restarting wrangler dev at ${figures.confirmed} messages`);
						figures.restart_ms.push(await restartServer());
						figures.restarts++;
					})().finally(() => {
						restarting = null;
					});
				}
			}
		})();

		/** One message: over a socket of a client of that user when open, else REST; retried with the same client_id. */
		async function sendOne(n: number) {
			const sender = clients[Math.floor(rand() * clients.length)] as ChaosClient;
			const chat =
				sender.spec.kind === "viewer"
					? (sender.spec.chats[0] as string)
					: (sender.spec.memberOf[Math.floor(rand() * sender.spec.memberOf.length)] as string);
			const cid = `s${SEED}-m${n}`;
			const text = `chaos ${n}`;
			sentChat.set(cid, chat);
			figures.sent++;
			for (let attempt = 0; ; attempt++) {
				inFlight.set(cid, { attempt, sender: sender.spec.userId, open: sender.open });
				if (attempt) figures.send_retries++;
				if (attempt > 200) throw new Error(`message ${cid} never confirmed`);
				try {
					let seq: number;
					if (sender.open && attempt % 2 === 0) {
						figures.socket_sends++;
						const r = await sender.request(
							{ type: "message.send", chat_id: chat, client_id: cid, text },
							10_000,
						);
						seq = Number((r.message as { seq: number } | undefined)?.seq ?? r.seq);
					} else {
						figures.rest_sends++;
						const token = await sign(sender.spec.userId, world.sessions[sender.spec.idx] as string);
						const res = await fetch(`${base}/v1/chats/${chat}/messages`, {
							method: "POST",
							headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
							body: JSON.stringify({ client_id: cid, text }),
							signal: AbortSignal.timeout(10_000),
						});
						if (res.status !== 201 && res.status !== 200) throw new Error(`send ${res.status}`);
						const body = (await res.json()) as { seq: number; message?: { seq: number } };
						seq = Number(body.message?.seq ?? body.seq);
					}
					if (!Number.isFinite(seq)) throw new Error("no seq in answer");
					const before = sentSeq.get(cid);
					if (before !== undefined && before !== seq) figures.duplicate_stores++;
					sentSeq.set(cid, seq);
					figures.confirmed++;
					inFlight.delete(cid);
					return;
				} catch (e) {
					lastError.set(cid, e instanceof Error ? e.message : String(e));
					await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
				}
			}
		}
		let next = 0;
		// Progress on a timer (not after each send), so a stall shows as a stall.
		const progress = setInterval(() => {
			const stuck = [...inFlight].filter(([, f]) => f.attempt >= 3).length;
			console.log(
				`[chaos] ${figures.confirmed}/${MESSAGES} confirmed, in flight ${inFlight.size} (${stuck} retried 3+ times), kills ${figures.kills}, evictions ${figures.evictions}, restarts ${figures.restarts}, gaps ${counters.gaps_found}/${counters.gaps_healed}`,
			);
		}, 15_000);
		const sending = Promise.all(
			Array.from({ length: IN_FLIGHT }, async () => {
				while (next < MESSAGES && Date.now() < deadline)
					await sendOne(next++).catch((e: Error) => console.log(`[chaos] ${e.message}`));
			}),
		);
		// The send phase ends when every worker is done, or at most SEND_GRACE_MS after the deadline:
		// a send still unconfirmed then is reported (and counted as unconfirmed), never waited on forever.
		const ended = await settleBy(sending, deadline + SEND_GRACE_MS);
		clearInterval(progress);
		if (!ended) {
			figures.unconfirmed_at_end = inFlight.size;
			console.log(
				`[chaos] ${inFlight.size} sends still unconfirmed ${SEND_GRACE_MS / 1000} s after the deadline:`,
			);
			for (const [cid, f] of [...inFlight].slice(0, 20))
				console.log(
					`[chaos]   ${cid}: attempt ${f.attempt}, sender ${f.sender} open=${f.open}, last error ${lastError.get(cid) ?? "none"}`,
				);
		}
		const sendSeconds = (Date.now() - sendStart) / 1000;
		stopChaos = true;
		if (!(await settleBy(chaos, Date.now() + 30_000)))
			console.log("[chaos] the chaos driver did not stop within 30 s");
		if (restarting && !(await settleBy(restarting, Date.now() + 240_000)))
			console.log("[chaos] a server restart did not finish within 240 s");
		console.log(`[chaos] sending done: ${figures.confirmed} messages in ${r2(sendSeconds)} s; verifying`);

		// ---- the truth: each ChatRoom's log over REST, and D1's index ----
		const reader = async (chat: string) => {
			const u = (world.members.get(chat) as string[])[0] as string;
			const idx = specs.findIndex((s) => s.userId === u);
			return sign(u, world.sessions[Math.max(idx, 0)] as string);
		};
		// The reader sessions must belong to the members: use a client of that member when one exists.
		const logs = new Map<string, { seq: number; client_id: string; text: string }[]>();
		const index = { chats: 0, agree: 0, disagree: [] as unknown[] };
		let storedDuplicates = 0;
		let missingConfirmed = 0;
		let logGaps = 0;
		for (const chat of world.chats) {
			const member = specs.find((s) => (world.members.get(chat) as string[]).includes(s.userId));
			const token = member
				? await sign(member.userId, world.sessions[member.idx] as string)
				: await reader(chat);
			const items: { seq: number; client_id: string; text: string }[] = [];
			for (let after = 0, pages = 0; pages < 10_000; pages++) {
				const res = await fetch(`${base}/v1/chats/${chat}/messages?after_seq=${after}&page_size=200`, {
					headers: { Authorization: `Bearer ${token}` },
				});
				const body = (await res.json()) as { items: { seq: number; client_id: string; text: string }[] };
				if (!body.items?.length) break;
				items.push(...body.items);
				after = (body.items.at(-1) as { seq: number }).seq;
			}
			logs.set(chat, items);
			items.forEach((m, i) => {
				if (m.seq !== i + 1) logGaps++;
			});
			const cids = new Set<string>();
			for (const m of items) {
				if (cids.has(m.client_id)) storedDuplicates++;
				cids.add(m.client_id);
			}
			// D1's index is written after each message (best effort): give it a few seconds to settle.
			index.chats++;
			const last = items.at(-1);
			let view: { last_seq: number; last_message: { text: string } | null } | undefined;
			for (let t = 0; t < 20; t++) {
				const res = await fetch(`${base}/v1/chats/${chat}`, {
					headers: { Authorization: `Bearer ${token}` },
				});
				view = (await res.json()) as typeof view;
				if (
					view &&
					view.last_seq === (last?.seq ?? 0) &&
					(view.last_message?.text ?? null) === (last?.text ?? null)
				)
					break;
				await sleep(500);
			}
			if (
				view &&
				view.last_seq === (last?.seq ?? 0) &&
				(view.last_message?.text ?? null) === (last?.text ?? null)
			)
				index.agree++;
			else
				index.disagree.push({
					chat,
					d1: { last_seq: view?.last_seq, text: view?.last_message?.text },
					log: last,
				});
		}
		for (const [cid, chat] of sentChat) {
			if (!logs.get(chat)?.some((m) => m.client_id === cid)) missingConfirmed++;
		}

		// ---- every client: catch up (as on a gap) and compare with the log ----
		const catchUpStart = Date.now();
		const behindAtEnd = clients.reduce(
			(n, c) =>
				n + c.spec.chats.filter((ch) => (c.state.get(ch)?.last ?? 0) < (logs.get(ch)?.length ?? 0)).length,
			0,
		);
		const healsBefore = { ...counters };
		for (let round = 0; round < 60; round++) {
			let behind = 0;
			for (const c of clients)
				for (const ch of c.spec.chats) {
					const target = logs.get(ch)?.at(-1)?.seq ?? 0;
					if ((c.state.get(ch)?.last ?? 0) < target) {
						behind++;
						if (c.open) c.catchUp(ch, target);
					}
				}
			if (!behind) break;
			await sleep(2000);
		}
		const catchUpSeconds = (Date.now() - catchUpStart) / 1000;
		let complete = 0;
		let missing = 0;
		let misordered = 0;
		for (const c of clients) {
			let ok = true;
			for (const ch of c.spec.chats) {
				const st = c.state.get(ch);
				const truth = logs.get(ch) ?? [];
				const held = st?.held ?? [];
				if (held.length < truth.length) {
					ok = false;
					missing += truth.length - held.length;
				}
				for (let i = 0; i < held.length; i++)
					if (held[i] !== truth[i]?.client_id) {
						ok = false;
						misordered++;
					}
			}
			if (ok) complete++;
		}
		serverCpu += groupCpu();
		for (const c of clients) c.stop();
		const out = {
			messages_target: MESSAGES,
			messages_sent: figures.sent,
			messages_confirmed: figures.confirmed,
			messages_unconfirmed_at_end: figures.unconfirmed_at_end,
			messages_in_logs: [...logs.values()].reduce((n, l) => n + l.length, 0),
			confirmed_missing_from_log: missingConfirmed,
			stored_duplicates: storedDuplicates + figures.duplicate_stores,
			log_seq_gaps: logGaps,
			send_seconds: r2(sendSeconds),
			msgs_per_s: r2(figures.confirmed / sendSeconds),
			send_retries: figures.send_retries,
			socket_sends: figures.socket_sends,
			rest_sends: figures.rest_sends,
			clients: clients.length,
			hub_clients: specs.filter((s) => s.kind === "hub").length,
			viewer_clients: specs.filter((s) => s.kind === "viewer").length,
			chats: world.chats.length,
			users: world.users.length,
			deliveries_expected: clients.reduce(
				(n, c) => n + c.spec.chats.reduce((m, ch) => m + (logs.get(ch)?.length ?? 0), 0),
				0,
			),
			deliveries_held: clients.reduce(
				(n, c) => n + [...c.state.values()].reduce((m, s) => m + s.held.length, 0),
				0,
			),
			socket_kills: figures.kills,
			server_restarts: figures.restarts,
			restart_ms: figures.restart_ms,
			do_evictions: figures.evictions,
			eviction_failures: figures.eviction_failures,
			during_run: healsBefore,
			chats_behind_when_sending_stopped: behindAtEnd,
			final_catch_up_s: r2(catchUpSeconds),
			after_catch_up: counters,
			clients_complete: complete,
			messages_missing_at_clients: missing,
			held_out_of_order_or_wrong: misordered,
			d1_index: { chats: index.chats, agree: index.agree, disagree: index.disagree.slice(0, 10) },
			server_cpu_s: r2(serverCpu),
		};
		console.log(JSON.stringify(out, null, 2));
		return out;
	}

	const chatFigures = MESSAGES > 0 ? await chatPhase() : null;

	let campaign: CampaignFigures | null = null;
	if (!values["no-campaign"]) {
		const token = await sign(specs[0]?.userId as string, world.sessions[0] as string);
		campaign = await runCampaign({
			base,
			token,
			snap,
			tmp,
			dialerSecret: vars.DIALER_SECRET as string,
			dialerPort: PORT + 2,
			sipBase: 25890,
			contacts: Number(values["campaign-contacts"]),
			rand,
			deadline: Math.max(deadline, Date.now() + 6 * 60_000),
		});
		console.log(JSON.stringify(campaign, null, 2));
	}
	const result = {
		at: new Date().toISOString(),
		seed: SEED,
		args: {
			messages: MESSAGES,
			minutes: MINUTES,
			sockets: SOCKETS,
			chats: world.chats.length,
			restarts: RESTARTS,
		},
		machine: {
			cpus: cpus().length,
			node: process.version,
			loadavg_start: r2(load0),
			loadavg_end: r2(loadavg()[0] ?? 0),
		},
		duration_s: r2((Date.now() - started) / 1000),
		chat: chatFigures,
		campaign,
	};
	writeFileSync(join(repo, "bench/results/chaos.json"), `${JSON.stringify(result, null, 2)}\n`);
	writeFileSync(join(repo, "bench/results/chaos.md"), chaosMarkdown(result));
	console.log(chaosMarkdown(result));
}

runBench(main, { server: () => wrangler, scratch: tmp });
process.on("exit", () => stopGroup(wrangler));

// Where a Hatch join's CPU goes (issue 14, "Joins"): one `wrangler dev` of
// this checkout, seeded like bench/fanout/run.ts, then `--clients` users each
// mint a ticket (POST /v1/ws/ticket) and, in a second step, open the chat's
// viewing socket with it, 50 in flight. For each step: workerd CPU per join,
// split into user and system time, and, with --profile, the JavaScript
// hotspots (bench/lib/cpu-profile.ts; sampling costs CPU, so the CPU figures
// of a profiled run are a little high). Run `--rounds 2` to see a second
// round after the UserHubs exist.
//
//   node bench/fanout/profile-joins.ts [--clients 1000] [--rounds 2] [--profile] [--port-base 9600]
import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { startProfile } from "../lib/cpu-profile.ts";
import { startWrangler, waitFor } from "../lib/wrangler.ts";
import { directBase, freePort, pool, serverPids } from "./lib.ts";
import { devSecrets, seedSql, token, uuid } from "./targets.ts";

const { values } = parseArgs({
	options: {
		clients: { type: "string", default: "1000" },
		rounds: { type: "string", default: "2" },
		profile: { type: "boolean", default: false },
		"port-base": { type: "string", default: "0" },
	},
});
const N = Number(values.clients);
const repo = process.cwd();
const tmp = mkdtempSync(join(tmpdir(), "hatch-profile-joins-"));
const base0 = Number(values["port-base"]);
const port = base0 || (await freePort());
const inspector = base0 ? base0 + 1 : await freePort();

/** user and system CPU seconds of `pids`. */
function cpu(pids: number[]) {
	let user = 0;
	let sys = 0;
	for (const pid of pids) {
		try {
			const s = readFileSync(`/proc/${pid}/stat`, "utf8");
			const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
			user += Number(f[11]) / 100;
			sys += Number(f[12]) / 100;
		} catch {}
	}
	return { user, sys };
}

const chatId = uuid(1, 9);
const users = Array.from({ length: N + 1 }, (_, i) => uuid(i + 1, 1));
const state = join(tmp, "state");
const wr = (args: string[]) =>
	execFileSync("npx", ["wrangler", ...args], {
		cwd: repo,
		stdio: "ignore",
		env: { ...process.env, CI: "1" },
	});
const seed = join(tmp, "seed.sql");
(await import("node:fs")).writeFileSync(seed, seedSql(chatId, users, []));
wr(["d1", "migrations", "apply", "DB", "--local", "--persist-to", state]);
wr(["d1", "execute", "DB", "--local", "--persist-to", state, "--file", seed]);
const secrets = devSecrets(repo);
const tokens = new Map<string, string>();
for (const id of users) tokens.set(id, await token(secrets, id));

const w = startWrangler(repo, String(port), state, openSync(join(tmp, "wrangler.log"), "w"), [
	"--inspector-port",
	String(inspector),
]);
const stop = () => {
	try {
		process.kill(-(w.pid as number), "SIGTERM");
	} catch {}
	rmSync(tmp, { recursive: true, force: true });
};
process.on("exit", stop);
try {
	await waitFor(`http://127.0.0.1:${port}/health`, 180_000);
	let base = "";
	for (let i = 0; i < 20 && !base; i++) {
		base = await directBase(w.pid as number, port, async (b) => (await fetch(`${b}/health`)).ok);
		if (!base) await new Promise((r) => setTimeout(r, 1500));
	}
	const pids = () => serverPids(w.pid as number, port);
	const mint = async (userId: string) => {
		const res = await fetch(`${base}/v1/ws/ticket`, {
			method: "POST",
			headers: { Authorization: `Bearer ${tokens.get(userId)}` },
		});
		if (!res.ok) throw new Error(`ticket ${res.status} ${await res.text()}`);
		return ((await res.json()) as { ticket: string }).ticket;
	};
	const open = (ticket: string) =>
		new Promise<WebSocket>((ok, fail) => {
			const ws = new WebSocket(
				`${base.replace("http", "ws")}/v1/chats/${chatId}/ws?ticket=${encodeURIComponent(ticket)}&batch=1`,
				"json",
			);
			ws.once("message", () => ok(ws));
			ws.once("error", fail);
		});
	// Warm-up: every code path hot (users outside the measured ones would need seeding; reuse the sender).
	for (let i = 0; i < 20; i++) (await open(await mint(users[0] as string))).terminate();
	const receivers = users.slice(1);
	for (let round = 1; round <= Number(values.rounds); round++) {
		const prof = values.profile ? await startProfile(inspector, 200) : null;
		const c0 = cpu(pids());
		const t0 = performance.now();
		const tickets = await pool(receivers, 50, mint);
		const c1 = cpu(pids());
		const t1 = performance.now();
		const sockets = await pool(tickets, 50, open);
		const c2 = cpu(pids());
		const t2 = performance.now();
		const hot = await prof?.stop(40);
		const per = (a: { user: number; sys: number }, b: { user: number; sys: number }) =>
			`user ${Math.round(((b.user - a.user) * 1e6) / N)} µs + sys ${Math.round(((b.sys - a.sys) * 1e6) / N)} µs`;
		console.log(`round ${round}: ${N} joins`);
		console.log(`  tickets:    ${((t1 - t0) / 1000).toFixed(2)} s, ${per(c0, c1)} per join`);
		console.log(`  handshakes: ${((t2 - t1) / 1000).toFixed(2)} s, ${per(c1, c2)} per join`);
		if (hot) {
			console.log(`  profile: ${hot.total_ms} ms busy, ${hot.idle_ms} ms idle`);
			for (const h of hot.hotspots) console.log(`    ${String(h.self_ms).padStart(6)} ms ${h.fn}`);
		}
		for (const ws of sockets) ws.terminate();
		await new Promise((r) => setTimeout(r, 3000));
	}
} finally {
	stop();
}

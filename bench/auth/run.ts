// Auth bench, through the real Worker (`wrangler dev`: workerd, local D1 and
// Durable Objects), all in one run:
//   baseline: GET /health (one D1 query), the floor of any request here;
//   login with the right password, a wrong password, and an unknown email;
//   refresh-token rotation; GET /v1/me (JWT check + the session revocation
//   read + the user read).
// It prints medians and ratios: unknown ÷ known-wrong login shows whether
// timing tells an outsider that an account exists (≈ 1 means it does not);
// each path ÷ /health shows its cost over the floor.
//
//   node bench/auth/run.ts [--n 30] [--port 8798]
//
// Bounded: N requests per path, every wait has a timeout; wrangler listens on
// 127.0.0.1 only, with its state in a temporary directory removed at the end.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stopGroup, waitFor } from "../lib/wrangler.ts";

const { values } = parseArgs({
	options: { n: { type: "string", default: "30" }, port: { type: "string", default: "8798" } },
});
const N = Math.min(200, Math.max(5, Number(values.n)));
const base = `http://127.0.0.1:${values.port}`;
const persist = mkdtempSync(join(tmpdir(), "hatch-bench-auth-"));
const password = "Bench-auth-2026-timing!";
// Rate limits count per IP and per account: spread the requests so the bench measures the work, not 429s.
let ip = 0;
const nextIp = () => {
	ip += 1;
	return `203.0.${Math.floor(ip / 250) % 250}.${(ip % 250) + 1}`;
};

async function timed(fn: () => Promise<Response>, expect: number): Promise<number> {
	const t0 = performance.now();
	const res = await fn();
	await res.arrayBuffer();
	const ms = performance.now() - t0;
	if (res.status !== expect) throw new Error(`expected ${expect}, got ${res.status}`);
	return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
	fetch(`${base}${path}`, {
		method: "POST",
		headers: { "Content-Type": "application/json", "CF-Connecting-IP": nextIp(), ...headers },
		body: JSON.stringify(body),
	});

let wrangler: ChildProcess | undefined;
async function main() {
	// One account per 5 wrong guesses keeps every account under its failed-login limit.
	const accounts = Array.from({ length: Math.ceil(N / 5) + 1 }, (_, i) => `bench-auth-${i}@example.com`);
	for (const email of accounts) {
		execFileSync(
			process.execPath,
			["scripts/admin-create.mjs", "--email", email, "--password", password, "--persist-to", persist],
			{
				stdio: "ignore",
			},
		);
	}
	wrangler = spawn(
		"npx",
		[
			"wrangler",
			"dev",
			"--ip",
			"127.0.0.1",
			"--port",
			values.port,
			"--persist-to",
			persist,
			"--enable-containers=false",
		],
		{ stdio: "ignore", detached: true, env: { ...process.env, CI: "1" } },
	);
	await waitFor(`${base}/health`, 120_000);
	const email = accounts[0] as string;

	// Warm every path once.
	await timed(() => fetch(`${base}/health`), 200);
	const first = (await (await post("/v1/auth/login", { email, password })).json()) as Record<string, string>;
	let refresh = first.refresh_token as string;
	const auth = { Authorization: `Bearer ${first.access_token}` };

	const rows: Record<string, number[]> = {
		health: [],
		loginOk: [],
		loginWrong: [],
		loginUnknown: [],
		refresh: [],
		me: [],
	};
	for (let i = 0; i < N; i++) {
		rows.health?.push(await timed(() => fetch(`${base}/health`), 200));
		rows.loginOk?.push(await timed(() => post("/v1/auth/login", { email, password }), 200));
		const victim = accounts[1 + Math.floor(i / 5)] as string;
		rows.loginWrong?.push(
			await timed(() => post("/v1/auth/login", { email: victim, password: `wrong-${i}-guess` }), 401),
		);
		rows.loginUnknown?.push(
			// Same grouping as the known accounts (5 guesses per address), so both meet their per-account
			// rate-limit object equally often for the first time.
			await timed(
				() =>
					post("/v1/auth/login", {
						email: `nobody-${Math.floor(i / 5)}@example.com`,
						password: `wrong-${i}-guess`,
					}),
				401,
			),
		);
		const t0 = performance.now();
		const res = await post("/v1/auth/refresh", { refresh_token: refresh });
		const body = (await res.json()) as Record<string, string>;
		rows.refresh?.push(performance.now() - t0);
		if (res.status !== 200) throw new Error(`refresh ${res.status}`);
		refresh = body.refresh_token as string;
		auth.Authorization = `Bearer ${body.access_token}`;
		rows.me?.push(await timed(() => fetch(`${base}/v1/me`, { headers: auth }), 200));
	}

	const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
	const h = m.health || 1;
	const lines = [
		`# Auth bench (${new Date().toISOString()})`,
		"",
		`${N} requests per path through \`wrangler dev\` on 127.0.0.1, sequential; load average ${loadavg()
			.map((x) => x.toFixed(2))
			.join(" ")}.`,
		"",
		"| path | median ms | ÷ /health |",
		"| --- | ---: | ---: |",
		...[
			["GET /health (baseline: one D1 query)", m.health],
			["POST /v1/auth/login, right password", m.loginOk],
			["POST /v1/auth/login, wrong password", m.loginWrong],
			["POST /v1/auth/login, unknown email", m.loginUnknown],
			["POST /v1/auth/refresh (rotation)", m.refresh],
			["GET /v1/me (JWT + session check + user)", m.me],
		].map(([name, v]) => `| ${name} | ${(v as number).toFixed(1)} | ${((v as number) / h).toFixed(2)} |`),
		"",
		`Unknown-email ÷ wrong-password login time: **${((m.loginUnknown ?? 0) / (m.loginWrong || 1)).toFixed(2)}** (1.00 = indistinguishable).`,
	];
	console.log(lines.join("\n"));
	mkdirSync("bench/results", { recursive: true });
	writeFileSync("bench/results/auth.md", `${lines.join("\n")}\n`);
	writeFileSync(
		"bench/results/auth.json",
		`${JSON.stringify({ at: new Date().toISOString(), n: N, medians: m, raw: rows }, null, 2)}\n`,
	);
}

main()
	.catch((err) => {
		console.error(err);
		process.exitCode = 1;
	})
	.finally(() => {
		stopGroup(wrangler);
		rmSync(persist, { recursive: true, force: true });
	});

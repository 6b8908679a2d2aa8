// Issue 13 item 17: after a member leaves, the chat-viewing socket's 4403
// close frame arrives at once but the TCP connection stays open. This finds
// the layer that holds it, with a raw-TCP client (client.ts) that answers the
// close frame as RFC 6455 asks and measures close frame → server FIN:
//   1. a bare Durable Object (bare/worker.js) under workerd alone;
//   2. the same under `wrangler dev`, through its proxy and straight to the
//      workerd that runs the Worker (bypassing the proxy);
//   3. Hatch's chat-viewing socket under `wrangler dev`, both ways.
// Each case with a hibernated (acceptWebSocket) and an accepted socket, with
// and without one frame from the client first.
//   node bench/ws-linger/run.ts [--base-port 9710]
// Writes bench/results/ws-linger.{json,md}.
import { type ChildProcess, execFileSync, execSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startWrangler, stopGroup, waitFor } from "../lib/wrangler.ts";
import { type Linger, measure } from "./client.ts";

const { values } = parseArgs({ options: { "base-port": { type: "string", default: "9710" } } });
const P = Number(values["base-port"]);
const repo = join(import.meta.dirname, "..", "..");
const here = import.meta.dirname;
const servers: ChildProcess[] = [];
type Result = {
	server: string;
	path: string;
	socket: string;
	/** The client sent one frame (and had its answer) before the server closed. */
	clientFrameFirst: boolean;
	/** The client sent one frame after the close frame arrived, before its own close. */
	requestAfterClose: boolean;
} & Linger;
const VARIANTS = [
	[false, false],
	[true, false],
	[false, true],
] as const;
const results: Result[] = [];

/** The loopback ports the processes of `child`'s group listen on, except `skip`. */
function groupPorts(child: ChildProcess, skip: number[]): number[] {
	const pids = execSync(`pgrep -g ${child.pid}`).toString().trim().split("\n");
	const ss = execSync("ss -ltnpH").toString().split("\n");
	return ss
		.filter((l) => pids.some((p) => l.includes(`pid=${p},`)) && l.includes("workerd"))
		.map((l) => Number(l.split(/\s+/)[3]?.split(":").pop()))
		.filter((p) => !skip.includes(p));
}

/** The port of the workerd that runs the Worker itself: the one that answers `probe` like the proxy does. */
async function directPort(child: ChildProcess, skip: number[], probe: string): Promise<number> {
	for (const port of groupPorts(child, skip)) {
		try {
			const res = await fetch(`http://127.0.0.1:${port}${probe}`, { signal: AbortSignal.timeout(2000) });
			if (res.ok) return port;
		} catch {}
	}
	throw new Error("no direct workerd port found");
}

/**
 * The hibernated socket that never sent a frame, while a request reaches the
 * object every second: the TCP connection then outlives the bound, so it ends
 * only when the object goes idle (and hibernates), not on a timer of its own.
 */
async function busy(server: string, port: number) {
	let stop = false;
	const r = await measure(
		{ host: "127.0.0.1", port, path: "/ws?mode=hibernate&hello=1", replyClose: true, boundMs: 20_000 },
		async () => {
			await (await fetch(`http://127.0.0.1:${port}/kick`)).text();
			void (async () => {
				for (let i = 0; i < 25 && !stop; i++) {
					await (await fetch(`http://127.0.0.1:${port}/events`)).text();
					await new Promise((ok) => setTimeout(ok, 1000));
				}
			})();
		},
	);
	stop = true;
	const path = "bare DO, kept busy (a request each second)";
	results.push({
		server,
		path,
		socket: "hibernate",
		clientFrameFirst: false,
		requestAfterClose: false,
		...r,
	});
	console.log(JSON.stringify(results.at(-1)));
}

/**
 * Server-side remedies on the hibernated socket that never sent a frame: the
 * server silent (no `hello`), an auto-response pair set, the close 12 s after
 * the connection (the object hibernated in between).
 */
async function remedies(server: string, port: number) {
	const cases = [
		["server sends nothing first", "/ws?mode=hibernate", 0],
		["auto-response pair set", "/ws?mode=hibernate&hello=1&auto=1", 0],
		["closed 12 s after connecting", "/ws?mode=hibernate&hello=1", 12_000],
	] as const;
	for (const [label, path, delay] of cases) {
		// The bound runs from the connection, so it covers the delay too.
		const r = await measure(
			{ host: "127.0.0.1", port, path, replyClose: true, boundMs: 20_000 + delay },
			async () => {
				await new Promise((ok) => setTimeout(ok, delay));
				await (await fetch(`http://127.0.0.1:${port}/kick`)).text();
			},
		);
		const row = { server, path: `bare DO, ${label}`, socket: "hibernate", clientFrameFirst: false };
		results.push({ ...row, requestAfterClose: false, ...r });
		console.log(JSON.stringify(results.at(-1)));
	}
}

async function bare(server: string, port: number) {
	for (const socket of ["hibernate", "accept"])
		for (const [first, after] of VARIANTS) {
			const r = await measure(
				{
					host: "127.0.0.1",
					port,
					path: `/ws?mode=${socket}&hello=1`,
					sendFirst: first ? "hi" : undefined,
					replyClose: true,
					probe: after ? "a request in the window" : undefined,
				},
				async () => void (await (await fetch(`http://127.0.0.1:${port}/kick`)).text()),
			);
			results.push({
				server,
				path: "bare DO",
				socket,
				clientFrameFirst: first,
				requestAfterClose: after,
				...r,
			});
			console.log(JSON.stringify(results.at(-1)));
		}
}

type Session = { access_token: string };
async function hatch(server: string, port: number, proxy: number) {
	const base = `http://127.0.0.1:${proxy}`;
	const call = async (path: string, token: string | null, json?: unknown) => {
		const res = await fetch(`${base}${path}`, {
			method: json === undefined ? "GET" : "POST",
			headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
			body: json === undefined ? undefined : JSON.stringify(json),
		});
		if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
		return res.json() as Promise<Record<string, unknown>>;
	};
	const login = async (email: string) =>
		((await call("/v1/auth/login", null, { email, password: "linger-password-1" })) as Session).access_token;
	const [alice, bob] = [await login("alice@linger.test"), await login("bob@linger.test")];
	const bobId = ((await call("/v1/me", bob)) as { id: string }).id;
	for (const [first, after] of VARIANTS) {
		const chat = (await call("/v1/chats", alice, { name: "Linger", members: [bobId] })) as { id: string };
		await call(`/v1/chats/${chat.id}/accept`, bob, {});
		const { ticket } = (await call("/v1/ws/ticket", bob, {})) as { ticket: string };
		const r = await measure(
			{
				host: "127.0.0.1",
				port,
				path: `/v1/chats/${chat.id}/ws?ticket=${encodeURIComponent(ticket)}`,
				headers: { "Sec-WebSocket-Protocol": "json" },
				sendFirst: first ? JSON.stringify({ type: "ping", id: 1 }) : undefined,
				replyClose: true,
				probe: after ? JSON.stringify({ type: "ping", id: 2 }) : undefined,
			},
			async () => void (await call(`/v1/chats/${chat.id}/leave`, bob, {})),
		);
		results.push({
			server,
			path: "Hatch chat socket",
			socket: "hibernate",
			clientFrameFirst: first,
			requestAfterClose: after,
			...r,
		});
		console.log(JSON.stringify(results.at(-1)));
	}
}

async function main() {
	const load = execSync("uptime").toString().trim();
	// 1. workerd alone
	const workerd = spawn(
		join(repo, "node_modules/.bin/workerd"),
		["serve", "workerd.capnp", "--socket-addr", `http=127.0.0.1:${P + 1}`],
		{ cwd: join(here, "bare"), stdio: "ignore", detached: true },
	);
	servers.push(workerd);
	await waitFor(`http://127.0.0.1:${P + 1}/events`, 30_000);
	await bare("workerd alone", P + 1);
	await busy("workerd alone", P + 1);
	await remedies("workerd alone", P + 1);
	// 2. the bare DO under wrangler dev
	const state = mkdtempSync(join(tmpdir(), "ws-linger-"));
	const bareDev = startWrangler(join(here, "bare"), String(P + 2), join(state, "bare"), undefined, [
		"--inspector-port",
		String(P + 3),
	]);
	servers.push(bareDev);
	await waitFor(`http://127.0.0.1:${P + 2}/events`, 120_000);
	await bare("wrangler dev, proxy", P + 2);
	await bare("wrangler dev, workerd direct", await directPort(bareDev, [P + 2, P + 3], "/events"));
	// 3. Hatch under wrangler dev
	const hs = join(state, "hatch");
	execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", hs], {
		cwd: repo,
		stdio: "ignore",
		env: { ...process.env, CI: "1" },
	});
	for (const who of ["alice", "bob"])
		execFileSync(
			process.execPath,
			["scripts/admin-create.mjs", "--email", `${who}@linger.test`, "--password", "linger-password-1"].concat(
				["--role", "operator", "--persist-to", hs],
			),
			{ cwd: repo, stdio: "ignore" },
		);
	const hatchDev = startWrangler(repo, String(P + 4), hs, undefined, ["--inspector-port", String(P + 5)]);
	servers.push(hatchDev);
	await waitFor(`http://127.0.0.1:${P + 4}/health`, 180_000);
	await hatch("wrangler dev, proxy", P + 4, P + 4);
	await hatch("wrangler dev, workerd direct", await directPort(hatchDev, [P + 4, P + 5], "/health"), P + 4);
	const version = (bin: string) =>
		execSync(`${join(repo, bin)} --version`)
			.toString()
			.trim();
	const out = {
		load,
		workerdAlone: version("node_modules/.bin/workerd"),
		workerdUnderWrangler: version(
			"node_modules/wrangler/node_modules/@cloudflare/workerd-linux-64/bin/workerd",
		),
		results,
	};
	writeFileSync(join(repo, "bench/results/ws-linger.json"), `${JSON.stringify(out, null, 2)}\n`);
	const ms = (v: number | null) => (v === null ? "> 20 s (bound)" : `${Math.round(v)} ms`);
	const md = [
		"# Close frame → TCP end (bench/ws-linger)",
		"",
		`Machine load at start: \`${load}\`. workerd alone: ${out.workerdAlone}; under wrangler dev: ${out.workerdUnderWrangler}. The raw client answers the server's close frame with its own (RFC 6455 §5.5.1); "request after close": the client sends one text frame before its answering close.`,
		"",
		"| server | path | socket | client frame before close | request after close | close → FIN | frames after close |",
		"| --- | --- | --- | --- | --- | --- | --- |",
		...results.map(
			(r) =>
				`| ${r.server} | ${r.path} | ${r.socket} | ${r.clientFrameFirst ? "yes" : "no"} | ${r.requestAfterClose ? "yes" : "no"} | ${ms(r.tcpEndMs)} | ${r.framesAfterClose} |`,
		),
		"",
	].join("\n");
	writeFileSync(join(repo, "bench/results/ws-linger.md"), md);
	console.log(md);
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
	process.on(signal, () => {
		for (const s of servers) stopGroup(s);
		process.exit(130);
	});

main()
	.catch((e) => {
		console.error(e);
		process.exitCode = 1;
	})
	.finally(() => {
		for (const s of servers) stopGroup(s);
	});

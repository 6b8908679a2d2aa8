/**
 * Node-side plumbing for the end-to-end test and the campaign bench: the
 * real Worker under `wrangler dev` (own persistence dir, own env file, no
 * containers), access tokens minted with the same secret, free ports, and
 * bounded waits. Imports only Node and jose so `node` runs it directly.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
	const srv = net.createServer();
	await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
	const port = (srv.address() as net.AddressInfo).port;
	await new Promise<void>((r) => srv.close(() => r()));
	return port;
}

/** Polls `fn` until it returns a value (not undefined), at most `ms`. */
export async function waitFor<T>(
	fn: () => Promise<T | undefined> | T | undefined,
	ms: number,
	what: string,
): Promise<T> {
	const until = Date.now() + ms;
	for (;;) {
		try {
			const v = await fn();
			if (v !== undefined) return v;
		} catch {
			// not ready yet
		}
		if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

export type WorkerStack = {
	url: string;
	/** The local state directory (--persist-to), e.g. for `npm run admin:create -- --persist-to`. */
	persist: string;
	/** CPU seconds used so far by wrangler and its workerd processes (its process group). */
	cpuSeconds(only?: string): number;
	secrets: { JWT_SECRET: string; DIALER_SECRET: string; SECRETS_KEY: string };
	/** A bearer token of a freshly signed-in user (phone code through the dev outbox). */
	token(): Promise<string>;
	stop(): Promise<void>;
	logs(): string;
};

/** Starts `wrangler dev` on a free port with fresh local state and the given dialer URL. */
export async function startWorker(opts: {
	dialerUrl: string;
	logLevel?: string;
	quiet?: boolean;
	/** Fixed ports (a helper's assigned range) instead of free ones. */
	port?: number;
	inspectorPort?: number;
	/** More vars (e.g. TURN_PROVIDER, TURN_URLS, TURN_SECRET for a local coturn). */
	vars?: Record<string, string>;
}): Promise<WorkerStack> {
	const port = opts.port ?? (await freePort());
	const inspector = opts.inspectorPort ?? (await freePort());
	const dir = mkdtempSync(join(tmpdir(), "hatch-e2e-"));
	const url = `http://127.0.0.1:${port}`;
	const secrets = {
		JWT_SECRET: randomBytes(32).toString("base64url"),
		DIALER_SECRET: randomBytes(32).toString("base64url"),
		SECRETS_KEY: randomBytes(32).toString("base64"),
	};
	const vars: Record<string, string> = {
		...secrets,
		ENVIRONMENT: "development",
		LOG_LEVEL: opts.logLevel ?? "warn",
		DIALER_URL: opts.dialerUrl,
		PUBLIC_URL: url,
		// The web client is served from the same origin and opens sockets from it.
		ALLOWED_ORIGINS: url,
		JWT_ISSUER: url,
		SIP_HOST_DENY: "private,link-local,cgnat,multicast,reserved",
		SMS_PROVIDER: "console",
		EMAIL_PROVIDER: "console",
		PUSH_PROVIDER: "console",
		...opts.vars,
	};
	const envFile = join(dir, "e2e.env");
	writeFileSync(
		envFile,
		Object.entries(vars)
			.map(([k, v]) => `${k}=${v}`)
			.join("\n"),
	);
	const persist = join(dir, "state");
	execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
		cwd: ROOT,
		env: { ...process.env, CI: "1" },
		stdio: "pipe",
	});
	// Serve a bundle built once: the shared checkout changes under us, and wrangler dev
	// would otherwise reload on every file another engineer saves.
	const dist = join(dir, "dist");
	execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", dist, "--containers-rollout=none"], {
		cwd: ROOT,
		env: { ...process.env, CI: "1" },
		stdio: "pipe",
	});
	const proc: ChildProcess = spawn(
		"npx",
		[
			"wrangler",
			"dev",
			join(dist, "index.js"),
			"--no-bundle",
			"-c",
			join(ROOT, "wrangler.toml"),
			"--ip",
			"127.0.0.1",
			"--port",
			String(port),
			"--inspector-port",
			String(inspector),
			"--enable-containers=false",
			"--persist-to",
			persist,
			"--env-file",
			envFile,
			"--show-interactive-dev-session=false",
		],
		{ cwd: ROOT, env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
	);
	// Keep the tail cheaply: a busy run logs tens of thousands of lines.
	const chunks: string[] = [];
	const keep = (d: Buffer) => {
		chunks.push(String(d));
		if (chunks.length > 400) chunks.splice(0, 200);
	};
	proc.stdout?.on("data", keep);
	proc.stderr?.on("data", keep);
	const output = () => chunks.join("").slice(-50_000);
	const stop = async () => {
		if (proc.exitCode !== null) return;
		try {
			process.kill(-(proc.pid ?? 0), "SIGTERM");
		} catch {
			proc.kill("SIGTERM");
		}
		await new Promise((r) => setTimeout(r, 300));
	};
	try {
		await waitFor(
			async () => ((await fetch(`${url}/health`)).ok ? true : undefined),
			90_000,
			`wrangler dev on ${url}`,
		);
	} catch (err) {
		await stop();
		throw new Error(`${(err as Error).message}\n${output().slice(-4000)}`);
	}
	// A real signed-in user (every token must name a stored session): a phone
	// code read from the dev outbox, a fresh number each time.
	const token = async () => {
		const phone = `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}`;
		const post = (path: string, body: unknown) =>
			fetch(`${url}${path}`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify(body),
			});
		const asked = await post("/v1/auth/phone/code", { phone });
		if (!asked.ok) throw new Error(`phone code: ${asked.status} ${await asked.text()}`);
		const code = await waitFor(
			async () => {
				const res = await fetch(`${url}/v1/dev/outbox?to=${encodeURIComponent(phone)}`);
				const { items } = (await res.json()) as { items: { body: string }[] };
				return items.map((i) => /\b(\d{6})\b/.exec(i.body)?.[1]).find(Boolean);
			},
			15_000,
			"the sign-in code",
		);
		const res = await post("/v1/auth/phone/verify", { phone, code, display_name: "E2E" });
		if (res.status !== 200 && res.status !== 201)
			throw new Error(`verify: ${res.status} ${await res.text()}`);
		return ((await res.json()) as { access_token: string }).access_token;
	};
	const cpuSeconds = (only?: string) => {
		let ticks = 0;
		for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
			try {
				const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
				const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
				// After the name: state(0) ppid(1) pgrp(2) … utime(11) stime(12), in clock ticks.
				const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
				if (Number(f[2]) === proc.pid && (!only || name === only)) ticks += Number(f[11]) + Number(f[12]);
			} catch {
				// the process went away
			}
		}
		return ticks / 100;
	};
	return {
		url,
		persist,
		secrets,
		token,
		cpuSeconds,
		stop: async () => {
			if (process.env.DUMP_WORKER_LOG) writeFileSync(process.env.DUMP_WORKER_LOG, output());
			await stop();
		},
		logs: output,
	};
}

/** A 16-bit PCM mono WAV tone, `seconds` long. */
export function toneWav(seconds: number, rate = 8000): Uint8Array<ArrayBuffer> {
	const n = Math.floor(seconds * rate);
	const out = Buffer.alloc(44 + n * 2);
	out.write("RIFF", 0);
	out.writeUInt32LE(36 + n * 2, 4);
	out.write("WAVEfmt ", 8);
	out.writeUInt32LE(16, 16);
	out.writeUInt16LE(1, 20);
	out.writeUInt16LE(1, 22);
	out.writeUInt32LE(rate, 24);
	out.writeUInt32LE(rate * 2, 28);
	out.writeUInt16LE(2, 32);
	out.writeUInt16LE(16, 34);
	out.write("data", 36);
	out.writeUInt32LE(n * 2, 40);
	for (let i = 0; i < n; i++)
		out.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
	return new Uint8Array(out);
}

/** JSON fetch against the Worker with a bearer token. */
export async function call<T = Record<string, unknown>>(
	base: string,
	token: string,
	path: string,
	init: { method?: string; json?: unknown; body?: RequestInit["body"]; type?: string } = {},
): Promise<{ status: number; body: T }> {
	const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
	if (init.json !== undefined) headers["Content-Type"] = "application/json";
	if (init.type) headers["Content-Type"] = init.type;
	const res = await fetch(`${base}${path}`, {
		method: init.method ?? "GET",
		headers,
		body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
	});
	const text = await res.text();
	let body: unknown = text;
	try {
		body = JSON.parse(text);
	} catch {
		// CSV and the like
	}
	return { status: res.status, body: body as T };
}

/**
 * What a campaign against the sipp gateway needs: its trunk, a tone of `soundSeconds`
 * and a contact list from `csv`. Each must be created (201), or this throws with the answer.
 */
export async function campaignInputs(
	base: string,
	token: string,
	opts: { sippPort: number; soundName: string; soundSeconds: number; listName: string; csv: string },
): Promise<{ trunkId: string; soundId: string; listId: string }> {
	const created = async (what: string, r: { status: number; body: { id?: unknown } }) => {
		if (r.status !== 201 || typeof r.body.id !== "string")
			throw new Error(`${what}: expected 201, got ${r.status} ${JSON.stringify(r.body)}`);
		return r.body.id;
	};
	const trunkId = await created(
		"trunk",
		await call(base, token, "/v1/sip-trunks", {
			method: "POST",
			json: {
				name: "sipp",
				host: "127.0.0.1",
				port: opts.sippPort,
				username: "acme",
				password: "pw-1234",
				caller_id: "+14155550000",
			},
		}),
	);
	const soundId = await created(
		"sound",
		await call(base, token, `/v1/sounds?name=${opts.soundName}`, {
			method: "POST",
			body: toneWav(opts.soundSeconds),
			type: "audio/wav",
		}),
	);
	const listId = await created(
		"contact list",
		await call(base, token, `/v1/contact-lists?name=${opts.listName}`, {
			method: "POST",
			body: opts.csv,
			type: "text/csv",
		}),
	);
	return { trunkId, soundId, listId };
}

/** sipp playing the carrier: test/e2e/sipp/uas-by-number.xml, which answers by the number's last digit. */
export type SippGateway = { port: number; output: () => string; stop: () => void };

/**
 * Starts sipp as the gateway on a free UDP port of 127.0.0.1, its RTP sent to
 * a local sink, for `timeoutS` seconds at most. Fails when sipp (Debian's
 * sip-tester) is missing. `output()` is the tail of what sipp printed.
 *
 * @example const sipp = await startSippGateway(170); trunk.port = sipp.port;
 */
export async function startSippGateway(timeoutS: number): Promise<SippGateway> {
	const v = spawnSync("sipp", ["-v"], { encoding: "utf8" });
	if (v.error || !/SIPp v\d/.test(`${v.stdout}${v.stderr}`))
		throw new Error("sipp (Debian package sip-tester) is required for this test");
	const rtp = dgram.createSocket("udp4");
	await new Promise<void>((r) => rtp.bind(0, "127.0.0.1", () => r()));
	const port = await freePort();
	const scenario = new URL("./sipp/uas-by-number.xml", import.meta.url).pathname;
	const args = ["-sf", scenario, "-i", "127.0.0.1", "-p", String(port), "-t", "u1"];
	args.push("-set", "rtpport", String(rtp.address().port), "-nostdin", "-timeout", `${timeoutS}s`);
	const proc = spawn("sipp", args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
	let out = "";
	const sink = (d: unknown) => {
		out = (out + String(d)).slice(-20_000);
	};
	proc.stdout?.on("data", sink);
	proc.stderr?.on("data", sink);
	return {
		port,
		output: () => out,
		stop: () => {
			proc.kill("SIGTERM");
			rtp.close();
		},
	};
}

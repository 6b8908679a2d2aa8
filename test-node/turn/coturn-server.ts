import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian's coturn package puts its programs; the test fails (never skips) without them. */
export const TURNSERVER = "/usr/bin/turnserver";
export const UCLIENT = "/usr/bin/turnutils_uclient";

export function assertCoturnInstalled(): void {
	for (const bin of [TURNSERVER, UCLIENT]) {
		try {
			accessSync(bin, constants.X_OK);
		} catch {
			throw new Error(
				`${bin} is missing: install Debian's coturn (apt-get install coturn) to run the TURN tests`,
			);
		}
	}
}

/** A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both). */
async function freePort(): Promise<number> {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = 20_000 + Math.floor(Math.random() * 20_000);
		const udpFree = await new Promise<boolean>((resolve) => {
			const s = createSocket("udp4");
			s.once("error", () => resolve(false));
			s.bind(port, "127.0.0.1", () => s.close(() => resolve(true)));
		});
		const tcpFree = await new Promise<boolean>((resolve) => {
			const srv = createServer();
			srv.once("error", () => resolve(false));
			srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
		});
		if (udpFree && tcpFree) return port;
	}
	throw new Error("no free port on 127.0.0.1");
}

/** One STUN Binding request (RFC 8489 §5); resolves true when a Binding success answer comes back. */
function stunBinding(port: number, timeoutMs: number): Promise<boolean> {
	return new Promise((resolve) => {
		const s = createSocket("udp4");
		const msg = Buffer.alloc(20);
		msg.writeUInt16BE(0x0001, 0);
		msg.writeUInt16BE(0, 2);
		msg.writeUInt32BE(0x2112a442, 4);
		randomBytes(12).copy(msg, 8);
		const done = (ok: boolean) => {
			clearTimeout(timer);
			s.close();
			resolve(ok);
		};
		const timer = setTimeout(() => done(false), timeoutMs);
		s.on("message", (m) =>
			done(m.readUInt16BE(0) === 0x0101 && m.subarray(8, 20).equals(msg.subarray(8, 20))),
		);
		s.on("error", () => done(false));
		s.send(msg, port, "127.0.0.1");
	});
}

export type CoturnServer = {
	port: number;
	secret: string;
	realm: string;
	log: () => string;
	stop: () => Promise<void>;
};

/**
 * Starts coturn on loopback only, with the TURN REST shared-secret scheme
 * (`use-auth-secret`) and no TLS/DTLS/CLI, and waits until it answers STUN.
 */
export async function startCoturn(
	secret: string,
	/** Fixed ports (a helper's assigned range) instead of random free ones. */
	ports: { listen?: number; relayMin?: number; relayMax?: number } = {},
): Promise<CoturnServer> {
	assertCoturnInstalled();
	const port = ports.listen ?? (await freePort());
	const dir = mkdtempSync(join(tmpdir(), "hatch-coturn-"));
	const relayBase = ports.relayMin ?? 50_000 + Math.floor(Math.random() * 14_000);
	const relayTop = ports.relayMax ?? relayBase + 200;
	const realm = "hatch.test";
	const args = [
		"--listening-ip=127.0.0.1",
		"--relay-ip=127.0.0.1",
		`--listening-port=${port}`,
		`--min-port=${relayBase}`,
		`--max-port=${relayTop}`,
		"--no-tls",
		"--no-dtls",
		"--no-cli",
		"--allow-loopback-peers",
		"--use-auth-secret",
		`--static-auth-secret=${secret}`,
		`--realm=${realm}`,
		"--fingerprint",
		"--log-file=stdout",
		"--simple-log",
		`--pidfile=${join(dir, "turnserver.pid")}`,
		`--userdb=${join(dir, "turndb.sqlite")}`,
	];
	let log = "";
	const child: ChildProcess = spawn(TURNSERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
	child.stdout?.on("data", (d: Buffer) => {
		log += d.toString();
	});
	child.stderr?.on("data", (d: Buffer) => {
		log += d.toString();
	});
	const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
	const stop = async () => {
		if (child.exitCode === null) child.kill("SIGTERM");
		await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
		if (child.exitCode === null) child.kill("SIGKILL");
		rmSync(dir, { recursive: true, force: true });
	};
	const deadline = Date.now() + 10_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) break;
		if (await stunBinding(port, 300)) return { port, secret, realm, log: () => log, stop };
	}
	await stop();
	throw new Error(`coturn did not start on 127.0.0.1:${port}:\n${log.slice(-2000)}`);
}

export type UclientRun = { code: number | null; output: string; received: number };

/**
 * Runs turnutils_uclient against the server with a username/password: it
 * allocates relays for two clients and sends packets between them through
 * TURN (`-y`), so success proves the allocation and the relay both work.
 */
export function runUclient(
	server: Pick<CoturnServer, "port">,
	username: string,
	password: string,
	opts: { tcp?: boolean } = {},
): Promise<UclientRun> {
	const args = [
		...(opts.tcp ? ["-t"] : []),
		"-y",
		"-c",
		"-n",
		"2",
		"-m",
		"1",
		"-p",
		String(server.port),
		"-u",
		username,
		"-w",
		password,
		"-e",
		"127.0.0.1",
		"127.0.0.1",
	];
	return new Promise((resolve) => {
		const child = spawn(UCLIENT, args, { stdio: ["ignore", "pipe", "pipe"] });
		let output = "";
		child.stdout.on("data", (d: Buffer) => {
			output += d.toString();
		});
		child.stderr.on("data", (d: Buffer) => {
			output += d.toString();
		});
		const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
		child.once("exit", (code) => {
			clearTimeout(timer);
			// The last tot_recv_msgs is the run's total; earlier ones are progress lines.
			const counts = [...output.matchAll(/tot_recv_msgs=(\d+)/g)].map((m) => Number(m[1]));
			resolve({ code, output, received: counts.at(-1) ?? 0 });
		});
	});
}

/**
 * The local dialer (dialer/src/main.ts) as a child process for browser
 * tests, on free loopback ports, waited for on its /health.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort, ROOT, waitFor } from "../../test/e2e/stack.ts";

export type LocalDialer = { url: string; port: number; output: () => string; stop: () => void };

/** Starts a dialer; `secret` must be the Worker's DIALER_SECRET, `port` the one its DIALER_URL names. */
export async function startDialer(port: number, secret: string): Promise<LocalDialer> {
	let out = "";
	const proc: ChildProcess = spawn(process.execPath, ["dialer/src/main.ts"], {
		cwd: ROOT,
		env: {
			...process.env,
			DIALER_SECRET: secret,
			DIALER_PORT: String(port),
			DIALER_HOST: "127.0.0.1",
			DIALER_SIP_PORT: String(await freePort()),
			DIALER_RTP_PORT_MIN: "32000",
			DIALER_RTP_PORT_MAX: "32400",
			DIALER_LOG_LEVEL: "warn",
		},
		stdio: ["ignore", "pipe", "pipe"],
	});
	const sink = (d: unknown) => {
		out = (out + String(d)).slice(-20_000);
	};
	proc.stdout?.on("data", sink);
	proc.stderr?.on("data", sink);
	const url = `http://127.0.0.1:${port}`;
	await waitFor(async () => ((await fetch(`${url}/health`)).ok ? true : undefined), 20_000, "the dialer");
	return { url, port, output: () => out, stop: () => proc.kill("SIGTERM") };
}

// What the benches that drive `wrangler dev` share: waiting for it to come
// up, stopping it with everything it spawned, and cleaning the scratch state.
import { type ChildProcess, execFileSync, execSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * Extracts the committed tree (HEAD) into `dir`, with the checkout's
 * node_modules and .dev.vars, so a bench measures committed code and not
 * whatever is half-edited in a shared checkout.
 *
 * @example snapshotHead(process.cwd(), join(persist, "src"));
 */
export function snapshotHead(repo: string, dir: string): void {
	mkdirSync(dir);
	execSync(`git archive HEAD | tar -x -C ${dir}`, { cwd: repo });
	symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
	copyFileSync(join(repo, ".dev.vars"), join(dir, ".dev.vars"));
}

/** Creates an admin account in the local D1 under `state`. @example createAdmin(snapshot, state, email, password); */
export function createAdmin(cwd: string, state: string, email: string, password: string): void {
	const args = ["scripts/admin-create.mjs", "--email", email, "--password", password, "--persist-to", state];
	execFileSync(process.execPath, args, { stdio: "ignore", cwd });
}

/**
 * Starts `wrangler dev` from `cwd` on 127.0.0.1:`port` with its state in
 * `state`, detached (its own process group, so {@link stopGroup} reaches workerd).
 * Its output goes to the file descriptor `log` when given, else nowhere; `extra`
 * adds arguments (e.g. `--env-file`, `--inspector-port`).
 *
 * @example wrangler = startWrangler(snapshot, values.port, state); await waitFor(`${base}/health`, 120_000);
 */
export function startWrangler(
	cwd: string,
	port: string,
	state: string,
	log?: number,
	extra: string[] = [],
): ChildProcess {
	const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--persist-to", state, ...extra];
	return spawn("npx", [...args, "--enable-containers=false", "--show-interactive-dev-session=false"], {
		stdio: log === undefined ? "ignore" : ["ignore", log, log],
		detached: true,
		cwd,
		env: { ...process.env, CI: "1" },
	});
}

/**
 * Polls `url` every 500 ms until it answers 2xx; throws after `ms`.
 *
 * @example await waitFor(`${base}/health`, 120_000);
 */
export async function waitFor(url: string, ms: number): Promise<void> {
	const end = Date.now() + ms;
	while (Date.now() < end) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {}
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new Error(`${url} not up within ${ms} ms`);
}

/**
 * Stops a server started with `detached: true` and its children: npx, wrangler
 * and workerd share one process group, so signal the group, not the pid.
 *
 * @example stopGroup(wrangler);
 */
export function stopGroup(child: ChildProcess | undefined): void {
	if (child?.pid) {
		try {
			process.kill(-child.pid, "SIGTERM");
		} catch {}
	}
}

/**
 * Runs `main`; on success, failure, Ctrl-C or SIGTERM stops the server and
 * removes `scratch` (a second later on a normal exit, once workerd has let go
 * of its files). A failure sets exit code 1, an interrupt exits 130.
 *
 * @example runBench(main, { server: () => wrangler, scratch: persist });
 */
export function runBench(
	main: () => Promise<void>,
	opts: { server: () => ChildProcess | undefined; scratch: string },
): void {
	for (const signal of ["SIGINT", "SIGTERM"] as const) {
		process.on(signal, () => {
			stopGroup(opts.server());
			rmSync(opts.scratch, { recursive: true, force: true });
			process.exit(130);
		});
	}
	main()
		.catch((err) => {
			console.error(err);
			process.exitCode = 1;
		})
		.finally(() => {
			stopGroup(opts.server());
			setTimeout(() => rmSync(opts.scratch, { recursive: true, force: true }), 1000);
		});
}

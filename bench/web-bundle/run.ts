/**
 * The web app's initial JavaScript: what the index page loads before
 * anything else (its module script and modulepreloads), gzipped at level 9
 * as a CDN would serve it, against the 150 KB budget. Builds first.
 * `npm run bench:web` → bench/results/web-bundle.{json,md}.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
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
const result = {
	at: new Date().toISOString(),
	budget_kb: BUDGET_KB,
	initial_js_gzip_kb: Number(jsGzipKb.toFixed(1)),
	met: jsGzipKb <= BUDGET_KB,
	files: rows,
};
writeFileSync(join(ROOT, "bench/results/web-bundle.json"), `${JSON.stringify(result, null, 2)}\n`);
const md = [
	`# Web app: initial JavaScript (${result.at})`,
	"",
	`Initial JS, gzip -9: **${result.initial_js_gzip_kb} KB** against a budget of ${BUDGET_KB} KB (${result.met ? "met" : "MISSED"}).`,
	"",
	"| file | bytes | gzip |",
	"| --- | ---: | ---: |",
	...rows.map((r) => `| ${r.file.replace(/-[\w-]{8}\./, "-<hash>.")} | ${r.bytes} | ${r.gzip} |`),
	"",
].join("\n");
writeFileSync(join(ROOT, "bench/results/web-bundle.md"), md);
console.log(md);
if (!result.met) process.exitCode = 1;

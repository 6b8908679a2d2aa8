import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { defineConfig, type Plugin } from "vite";

/**
 * The web app: web/*.html pages built into public/ (Workers static assets)
 * with content-hashed files under public/assets/. Swagger UI's files for
 * /docs are copied from the pinned swagger-ui-dist under a versioned path,
 * so /docs needs no CDN. None of this output is committed.
 */
const root = dirname(new URL(import.meta.url).pathname);
const out = join(root, "../public");
const require = createRequire(import.meta.url);
const swaggerDir = dirname(require.resolve("swagger-ui-dist/package.json"));
const swaggerVersion = (
	JSON.parse(readFileSync(join(swaggerDir, "package.json"), "utf8")) as { version: string }
).version;

function swaggerAssets(): Plugin {
	return {
		name: "hatch-swagger-assets",
		apply: "build",
		buildStart() {
			// Earlier builds' hashed files would pile up: public/ holds nothing else we generate.
			for (const p of ["assets", "vendor", "index.html", "confirm.html", "reset-password.html"])
				rmSync(join(out, p), { recursive: true, force: true });
		},
		generateBundle() {
			for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"])
				this.emitFile({
					type: "asset",
					fileName: `vendor/swagger-ui-${swaggerVersion}/${file}`,
					source: readFileSync(join(swaggerDir, file)),
				});
		},
	};
}

export default defineConfig({
	root,
	base: "/",
	publicDir: false,
	logLevel: "warn",
	oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
	build: {
		outDir: out,
		emptyOutDir: false,
		assetsDir: "assets",
		target: "es2022",
		rollupOptions: {
			input: {
				main: join(root, "index.html"),
				confirm: join(root, "confirm.html"),
				reset: join(root, "reset-password.html"),
			},
		},
	},
	plugins: [swaggerAssets()],
});

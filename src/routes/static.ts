import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { createRouter } from "../lib/router";

/** Paths that are always the API's (the same list as `run_worker_first` in wrangler.toml). */
const API_PATH = /^\/(v1|oauth|compat)(\/|$)|^\/(health|openapi\.json|docs)(\/|$)/;

/**
 * The web client in `public/`, served as Workers static assets. In
 * production the asset router answers those paths before the Worker runs;
 * this fallback covers the Worker being called directly (tests, service
 * bindings): a GET that no route answered is looked up among the assets,
 * which apply `public/_headers`. API paths keep their JSON 404.
 *
 * @example app.route("/", staticRoutes);
 */
export const serveStatic = createMiddleware<AppEnv>(async (c, next) => {
	const method = c.req.method;
	const candidate =
		(method === "GET" || method === "HEAD") && !API_PATH.test(c.req.path) && !c.req.header("Upgrade");
	if (!candidate) return next();
	try {
		await next();
		if (c.res.status !== 404) return;
	} catch (err) {
		// "No route" is thrown by the app's notFound handler straight through here.
		if (!(err instanceof ApiError && err.code === "NOT_FOUND")) throw err;
		const asset = await c.env.ASSETS.fetch(c.req.raw);
		if (asset.status === 404) throw err;
		return new Response(asset.body, asset);
	}
	const asset = await c.env.ASSETS.fetch(c.req.raw);
	if (asset.status !== 404) c.res = new Response(asset.body, asset);
});

export const staticRoutes = createRouter();
staticRoutes.use("*", serveStatic);

import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";

describe("static files (public/ as Workers static assets)", () => {
	it("serves the web client's index at / with no-cache and hardening headers", async () => {
		const res = await api("/");
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
		expect(res.headers.get("Cache-Control")).toBe("no-cache");
		expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
		expect(res.headers.get("ETag")).toBeTruthy();
		expect(await res.text()).toContain("<title>Hatch</title>");
	});

	it("caches fingerprinted assets for a year", async () => {
		// The web build names its files by content hash; the index links the stylesheet.
		const index = await (await api("/")).text();
		const css = /href="(\/assets\/[^"]+\.css)"/.exec(index)?.[1];
		if (!css) throw new Error("the index links no stylesheet: run npm run build:web");
		const res = await api(css);
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toMatch(/^text\/css/);
		expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
		await res.arrayBuffer();
	});

	it("answers a missing asset with 404 and keeps the API's JSON 404 for API paths", async () => {
		const missing = await api("/nope.js");
		expect(missing.status).toBe(404);
		await missing.arrayBuffer();
		const api404 = await api("/v1/nope");
		expect(api404.status).toBe(404);
		expect(await errorCode(api404)).toBe("NOT_FOUND");
	});

	it("never serves assets for writes", async () => {
		const res = await api("/", { method: "POST", body: "x", headers: { "Content-Type": "text/plain" } });
		expect(res.status).toBe(404);
		expect(await errorCode(res)).toBe("NOT_FOUND");
	});
});

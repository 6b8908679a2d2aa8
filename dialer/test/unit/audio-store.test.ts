import { createHash } from "node:crypto";
import { buildWav } from "@hatch/shared/audio/wav";
import { describe, expect, it } from "vitest";
import { AudioFetchError, AudioStore, prepareAudio } from "../../src/audio/store.ts";

const wav = buildWav(
	new Int16Array(8000).map((_, i) => Math.round(Math.sin(i / 3) * 9000)),
	8000,
);

/** A fake sound server: answers 200 with `headers`, or 304 when the ETag matches; counts requests. */
function server(headers: Record<string, string>) {
	const seen: Record<string, string>[] = [];
	const fetcher = async (_url: string, h: Record<string, string>) => {
		seen.push(h);
		if (headers.etag && h["if-none-match"] === headers.etag)
			return new Response(null, { status: 304, headers });
		return new Response(wav, { status: 200, headers });
	};
	return { seen, fetcher };
}

describe("AudioStore: one fetch per sound while fresh, revalidation after", () => {
	it("honours max-age: no request while fresh, a conditional one after, fresh again on 304", async () => {
		let now = 1_000_000;
		const s = server({ etag: '"v1"', "cache-control": "private, max-age=3600" });
		const store = new AudioStore(s.fetcher, 8, () => now);
		const first = await store.load({ url: "http://sounds/a.wav" });
		expect(first.durationMs).toBe(1000);
		for (let i = 0; i < 5; i++) expect(await store.load({ url: "http://sounds/a.wav" })).toBe(first);
		expect(s.seen).toHaveLength(1);
		now += 3_600_001;
		expect(await store.load({ url: "http://sounds/a.wav" })).toBe(first);
		expect(s.seen).toHaveLength(2);
		expect(s.seen[1]).toEqual({ "if-none-match": '"v1"' });
		// The 304 carried max-age too: fresh for another hour.
		await store.load({ url: "http://sounds/a.wav" });
		expect(s.seen).toHaveLength(2);
	});

	it("without max-age, or with no-cache, every load revalidates (and a 304 reuses the conversion)", async () => {
		const variants: Record<string, string>[] = [
			{ etag: '"v2"' },
			{ etag: '"v2"', "cache-control": "no-cache, max-age=600" },
		];
		for (const headers of variants) {
			const s = server(headers);
			const store = new AudioStore(s.fetcher);
			const first = await store.load({ url: "http://sounds/b.wav" });
			expect(await store.load({ url: "http://sounds/b.wav" })).toBe(first);
			expect(s.seen).toEqual([{}, { "if-none-match": '"v2"' }]);
		}
	});

	it("a failed fetch is an AudioFetchError and caches nothing", async () => {
		let fail = true;
		const store = new AudioStore(async () =>
			fail
				? new Response("nope", { status: 503 })
				: new Response(wav, { headers: { "cache-control": "max-age=60" } }),
		);
		await expect(store.load({ url: "http://sounds/c.wav" })).rejects.toBeInstanceOf(AudioFetchError);
		fail = false;
		expect((await store.load({ url: "http://sounds/c.wav" })).durationMs).toBe(1000);
	});
});

describe("AudioStore: the conversion it is given", () => {
	it("hands it the bytes and their SHA-256 (computed once), and converts a sound once", async () => {
		const calls: Array<[number, string]> = [];
		const store = new AudioStore(server({}).fetcher, 8, Date.now, async (bytes, hash) => {
			calls.push([bytes.length, hash]);
			return prepareAudio(bytes, hash);
		});
		const inline = Buffer.from(wav).toString("base64");
		const a = await store.load({ inline });
		const b = await store.load({ inline });
		expect(b).toBe(a);
		expect(calls).toEqual([[wav.length, createHash("sha256").update(wav).digest("hex")]]);
		expect(a.hash).toBe(calls[0][1]);
	});
});

import { env } from "cloudflare:test";
import { buildWav } from "@hatch/shared/audio/wav";
import { describe, expect, it } from "vitest";
import { signAsDialer } from "../../src/domain/dialer/token";
import { api, errorCode } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { toneWav } from "./helpers";

/** `frames` MPEG-1 Layer III frames, 128 kbps, 44.1 kHz (417 bytes each), with an ID3v2 tag in front. */
function mp3(frames: number): Uint8Array {
	const id3 = [0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...new Array(10).fill(0)];
	const out = new Uint8Array(id3.length + frames * 417);
	out.set(id3);
	for (let i = 0; i < frames; i++) out.set([0xff, 0xfb, 0x90, 0x00], id3.length + i * 417);
	return out;
}

function upload(u: TestUser, body: Uint8Array, type = "audio/wav", name = "greeting") {
	return api(`/v1/sounds?name=${name}`, {
		method: "POST",
		headers: { ...u.auth, "Content-Type": type },
		body,
	});
}

async function storedFor(u: TestUser) {
	const objects = await env.FILES.list({ prefix: `sounds/${u.id}/` });
	const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM sounds WHERE owner_id = ?")
		.bind(u.id)
		.first<{ n: number }>();
	return { objects: objects.objects.length, rows: rows?.n ?? 0 };
}

describe("Sounds", () => {
	it("stores a WAV and its G.711 µ-law conversion, and reports duration and format", async () => {
		const u = await createTestUser();
		const res = await upload(u, toneWav(2, 44100, 2));
		expect(res.status).toBe(201);
		const s = await res.json<Record<string, unknown>>();
		expect(s).toMatchObject({
			name: "greeting",
			format: "wav",
			duration_ms: 2000,
			sample_rate: 44100,
			channels: 2,
			converted: "pcmu",
		});
		const pcmu = await api(`/v1/sounds/${s.id}/audio?variant=pcmu`, { headers: u.auth });
		const bytes = new Uint8Array(await pcmu.arrayBuffer());
		const view = new DataView(bytes.buffer);
		expect(view.getUint16(20, true)).toBe(7); // µ-law
		expect(view.getUint32(24, true)).toBe(8000);
		expect(bytes.length - 44).toBe(16000); // 2 s at 8 kHz, one byte a sample
		expect(await storedFor(u)).toEqual({ objects: 2, rows: 1 });
		const orig = await api(`/v1/sounds/${s.id}/audio`, { headers: u.auth });
		expect(orig.headers.get("Content-Type")).toBe("audio/wav");
	});

	it("accepts multipart uploads and MP3, whose duration comes from its frame headers", async () => {
		const u = await createTestUser();
		const form = new FormData();
		form.append("file", new File([mp3(100)], "promo.mp3", { type: "audio/mpeg" }));
		const res = await api("/v1/sounds", { method: "POST", headers: u.auth, body: form });
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({
			name: "promo.mp3",
			format: "mp3",
			duration_ms: 2612,
			sample_rate: 44100,
			channels: 2,
			converted: null,
		});
	});

	it("refuses broken, empty, over-long and over-size files with a clear code and stores nothing", async () => {
		const u = await createTestUser();
		const cases: [Uint8Array, string, number][] = [
			[new Uint8Array(), "AUDIO_EMPTY", 422],
			[new TextEncoder().encode("definitely not audio, just text"), "AUDIO_UNSUPPORTED_FORMAT", 422],
			[toneWav(1).subarray(0, 30), "AUDIO_MALFORMED", 422],
			[mp3(1), "AUDIO_UNSUPPORTED_FORMAT", 422],
			[buildWav(new Int16Array(8000 * 601), 8000, 1, 8), "AUDIO_TOO_LONG", 422],
		];
		for (const [body, code, status] of cases) {
			const res = await upload(u, body);
			expect(res.status, code).toBe(status);
			expect(await errorCode(res)).toBe(code);
		}
		const huge = await upload(u, new Uint8Array(20 * 1024 * 1024 + 1));
		expect(huge.status).toBe(413);
		expect(await errorCode(huge)).toBe("PAYLOAD_TOO_LARGE");
		expect(await storedFor(u)).toEqual({ objects: 0, rows: 0 });
	});

	it("serves sounds to the dialer only with the dialer's token, with ETag revalidation", async () => {
		const u = await createTestUser();
		const s = await (await upload(u, toneWav(1))).json<{ id: string }>();
		expect((await api(`/v1/dialer/sounds/${s.id}`)).status).toBe(401);
		expect((await api(`/v1/dialer/sounds/${s.id}`, { headers: u.auth })).status).toBe(401);
		const auth = { Authorization: `Bearer ${await signAsDialer(env.DIALER_SECRET)}` };
		const res = await api(`/v1/dialer/sounds/${s.id}`, { headers: auth });
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toBe("audio/wav");
		const etag = res.headers.get("ETag") ?? "";
		expect(new Uint8Array(await res.arrayBuffer()).length).toBe(44 + 8000);
		const again = await api(`/v1/dialer/sounds/${s.id}`, { headers: { ...auth, "If-None-Match": etag } });
		expect(again.status).toBe(304);
		expect((await api("/v1/dialer/sounds/nope", { headers: auth })).status).toBe(404);
	});

	it("another user can neither see, download nor delete your sound", async () => {
		const alice = await createTestUser();
		const mallory = await createTestUser();
		const s = await (await upload(alice, toneWav(1))).json<{ id: string }>();
		expect((await api(`/v1/sounds/${s.id}`, { headers: mallory.auth })).status).toBe(404);
		expect((await api(`/v1/sounds/${s.id}/audio`, { headers: mallory.auth })).status).toBe(404);
		expect((await api(`/v1/sounds/${s.id}`, { method: "DELETE", headers: mallory.auth })).status).toBe(404);
		expect(
			(await (await api("/v1/sounds", { headers: mallory.auth })).json<{ items: unknown[] }>()).items,
		).toHaveLength(0);
		expect((await api(`/v1/sounds/${s.id}`, { method: "DELETE", headers: alice.auth })).status).toBe(204);
		expect(await storedFor(alice)).toEqual({ objects: 0, rows: 0 });
	});
});

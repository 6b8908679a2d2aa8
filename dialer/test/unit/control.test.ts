import { buildWav } from "@hatch/shared/audio/wav";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Json, postCall, SECRET, startDialer, type TestDialer, waitFor } from "../helpers.ts";

let t: TestDialer;
beforeAll(async () => {
	t = await startDialer({ maxCalls: 1 });
});
afterAll(async () => {
	await t.stop();
});

const key = new TextEncoder().encode(SECRET);
const sign = (aud: string, iss: string, exp: string | number, k = key) =>
	new SignJWT({})
		.setProtectedHeader({ alg: "HS256" })
		.setAudience(aud)
		.setIssuer(iss)
		.setIssuedAt()
		.setExpirationTime(exp)
		.sign(k);
/** What an upgrade to `path` with `auth` got: 101 once open, else the refusal's status and body. */
async function upgradeOutcome(path: string, auth: string): Promise<[number, string]> {
	const ws = new WebSocket(`${t.base.replace("http", "ws")}${path}`, { headers: { authorization: auth } });
	return new Promise<[number, string]>((resolve) => {
		ws.on("unexpected-response", (_req, res) => {
			let text = "";
			res.on("data", (d) => (text += d));
			res.on("end", () => resolve([res.statusCode ?? 0, text]));
		});
		ws.on("open", () => {
			ws.close();
			resolve([101, ""]);
		});
		ws.on("error", () => {});
	});
}

const wav = Buffer.from(buildWav(new Int16Array(1600), 8000)).toString("base64");
const valid = () => ({
	call_id: `c-${Math.random()}`,
	to: "+15551234",
	trunk: { host: "127.0.0.1", port: 9 },
	audio: { inline: wav },
});

describe("control API: health", () => {
	it("needs no token", async () => {
		const r = await fetch(`${t.base}/health`);
		expect(r.status).toBe(200);
		expect((await r.json()) as Json).toEqual({
			ok: true,
			active_calls: 0,
			capacity: 1,
			rtp_send: "native",
			rtp_clock: expect.stringMatching(/io_uring$/),
		});
	});
});

describe("control API: security", () => {
	const cases: Array<[string, () => Promise<string | undefined>]> = [
		["no token", async () => undefined],
		["garbage token", async () => "Bearer not-a-jwt"],
		[
			"bad signature",
			async () =>
				`Bearer ${await sign("hatch-dialer", "hatch-worker", "5m", new TextEncoder().encode("another-secret-0123456789abcdef"))}`,
		],
		["wrong audience", async () => `Bearer ${await sign("hatch-worker", "hatch-worker", "5m")}`],
		["wrong issuer", async () => `Bearer ${await sign("hatch-dialer", "someone", "5m")}`],
		[
			"expired",
			async () => `Bearer ${await sign("hatch-dialer", "hatch-worker", Math.floor(Date.now() / 1000) - 60)}`,
		],
		[
			"alg none",
			async () =>
				`Bearer ${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"aud":"hatch-dialer","iss":"hatch-worker"}').toString("base64url")}.`,
		],
	];
	for (const [name, auth] of cases) {
		it(`rejects ${name} with 401 on every route`, async () => {
			const a = await auth();
			const headers: Record<string, string> = { "content-type": "application/json" };
			if (a) headers.authorization = a;
			for (const [method, path] of [
				["POST", "/calls"],
				["GET", "/calls/x"],
				["DELETE", "/calls/x"],
			]) {
				const r = await fetch(`${t.base}${path}`, {
					method,
					headers,
					body: method === "POST" ? JSON.stringify(valid()) : undefined,
				});
				expect(r.status).toBe(401);
				const body = (await r.json()) as Json;
				expect(body.error.code).toBe("UNAUTHORIZED");
				expect(typeof body.error.message).toBe("string");
			}
		});
	}
	it("refuses the /events WebSocket without a valid token", async () => {
		const [status] = await upgradeOutcome("/events", "Bearer nope");
		expect(status).toBe(401);
	});
	it("accepts the /events WebSocket with a valid token", async () => {
		const ws = new WebSocket(`${t.base.replace("http", "ws")}/events`, {
			headers: { authorization: `Bearer ${t.token}` },
		});
		await new Promise<void>((resolve, reject) => {
			ws.on("open", () => resolve());
			ws.on("error", reject);
		});
		ws.close();
	});
});

/** An /events client: its frames, and the upgrade response's stream and replay headers. */
async function events(query = "") {
	const frames: Json[] = [];
	const ws = new WebSocket(`${t.base.replace("http", "ws")}/events${query}`, {
		headers: { authorization: `Bearer ${t.token}` },
	});
	ws.on("message", (d) => frames.push(JSON.parse(String(d))));
	const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
		ws.on("upgrade", (res) => resolve(res.headers));
		ws.on("error", reject);
	});
	await new Promise<void>((r) => (ws.readyState === WebSocket.OPEN ? r() : ws.once("open", () => r())));
	return { ws, frames, stream: String(headers["x-events-stream"]), replay: headers["x-events-replay"] };
}

const fake = (n: number) => ({
	call_id: `resume-${n}`,
	seq: 1,
	type: "trying" as const,
	at: new Date().toISOString(),
});

describe("control API: /events resume (at-least-once)", () => {
	it("gives a reconnecting client what it missed, then live events, none twice", async () => {
		const a = await events();
		expect(a.replay).toBe("none");
		for (let n = 1; n <= 3; n++) t.dialer.control.broadcast(fake(n));
		await waitFor(() => a.frames.length >= 3, 5000, "three frames");
		expect(a.frames.map((f) => f.call_id)).toEqual(["resume-1", "resume-2", "resume-3"]);
		const last = a.frames[2].event_id as number;
		expect(a.frames.map((f) => f.event_id)).toEqual([last - 2, last - 1, last]);
		a.ws.close();
		// Missed while disconnected.
		t.dialer.control.broadcast(fake(4));
		t.dialer.control.broadcast(fake(5));
		const b = await events(`?stream=${a.stream}&after=${last}`);
		expect([b.stream, b.replay]).toEqual([a.stream, "complete"]);
		await waitFor(() => b.frames.length >= 2, 5000, "the replay");
		t.dialer.control.broadcast(fake(6));
		await waitFor(() => b.frames.length >= 3, 5000, "the live frame");
		// A ping now: its pong comes after anything the server sent before it, a duplicate included.
		await new Promise<void>((r) => {
			b.ws.once("pong", () => r());
			b.ws.ping();
		});
		expect(b.frames.map((f) => [f.call_id, f.event_id])).toEqual([
			["resume-4", last + 1],
			["resume-5", last + 2],
			["resume-6", last + 3],
		]);
		b.ws.close();
	});

	it("says partial to a client of another stream (a restarted dialer) and replays what it kept", async () => {
		t.dialer.control.broadcast(fake(7));
		const c = await events("?stream=00000000-0000-4000-8000-000000000000&after=1");
		expect(c.replay).toBe("partial");
		await waitFor(() => c.frames.some((f) => f.call_id === "resume-7"), 5000, "the kept event");
		c.ws.close();
	});

	it("refuses a bad resume query with 400 INVALID_EVENTS_QUERY, before any socket", async () => {
		const stream = "00000000-0000-4000-8000-000000000000";
		for (const q of [
			"?after=3",
			`?stream=${stream}`,
			"?stream=nope&after=1",
			`?stream=${stream}&after=-1`,
			`?stream=${stream}&after=1e3`,
		]) {
			const [status, body] = await upgradeOutcome(`/events${q}`, `Bearer ${t.token}`);
			expect([q, status]).toEqual([q, 400]);
			expect(JSON.parse(body).error.code).toBe("INVALID_EVENTS_QUERY");
		}
	});
});

describe("control API: refused upgrades", () => {
	it("carry the one error body: 404 NOT_FOUND for another path, 401 UNAUTHORIZED for a bad token", async () => {
		for (const [path, auth, status, code] of [
			["/nope", `Bearer ${t.token}`, 404, "NOT_FOUND"],
			["/events", "Bearer nope", 401, "UNAUTHORIZED"],
		] as const) {
			const [got, body] = await upgradeOutcome(path, auth);
			expect(got).toBe(status);
			expect(JSON.parse(body).error).toMatchObject({ code, requestId: expect.any(String) });
		}
	});
});

describe("control API: call ids in the path", () => {
	it("answers a malformed %-escape with 400 INVALID_CALL_ID, not a server error", async () => {
		for (const method of ["GET", "DELETE"]) {
			const r = await fetch(`${t.base}/calls/%E0%A4%A`, {
				method,
				headers: { authorization: `Bearer ${t.token}` },
			});
			expect(r.status).toBe(400);
			expect(((await r.json()) as Json).error.code).toBe("INVALID_CALL_ID");
		}
	});
});

describe("control API: validation", () => {
	const cases: Array<[string, (b: ReturnType<typeof valid>) => unknown, string]> = [
		["non-object body", () => [1, 2], "INVALID_BODY"],
		["missing call_id", (b) => ({ ...b, call_id: undefined }), "INVALID_CALL_ID"],
		["empty call_id", (b) => ({ ...b, call_id: "" }), "INVALID_CALL_ID"],
		["long call_id", (b) => ({ ...b, call_id: "x".repeat(129) }), "INVALID_CALL_ID"],
		["letters in to", (b) => ({ ...b, to: "12ab" }), "INVALID_TO"],
		["SIP injection in to", (b) => ({ ...b, to: "1@evil.com>" }), "INVALID_TO"],
		["no trunk", (b) => ({ ...b, trunk: undefined }), "INVALID_TRUNK"],
		["bad host", (b) => ({ ...b, trunk: { host: "a b" } }), "INVALID_TRUNK_HOST"],
		...["2130706433", "127.1", "0x7f000001", "012.0.0.1", "169.254.43518", "localhost"].map(
			(host): [string, (b: Json) => unknown, string] => [
				`host ${host}`,
				(b) => ({ ...b, trunk: { host } }),
				"INVALID_TRUNK_HOST",
			],
		),
		["no deny list", (b) => ({ ...b, host_deny: undefined }), "INVALID_HOST_DENY"],
		["a typo in the deny list", (b) => ({ ...b, host_deny: "private,loopbak" }), "INVALID_HOST_DENY"],
		[
			"port out of range",
			(b) => ({ ...b, trunk: { host: "gw.example.com", port: 70000 } }),
			"INVALID_TRUNK_PORT",
		],
		[
			"port as string",
			(b) => ({ ...b, trunk: { host: "gw.example.com", port: "5060" } }),
			"INVALID_TRUNK_PORT",
		],
		[
			"unknown transport",
			(b) => ({ ...b, trunk: { host: "gw.example.com", transport: "sctp" } }),
			"INVALID_TRUNK_TRANSPORT",
		],
		[
			"username with @",
			(b) => ({ ...b, trunk: { host: "gw.example.com", username: "a@b" } }),
			"INVALID_TRUNK_USERNAME",
		],
		[
			"password not string",
			(b) => ({ ...b, trunk: { host: "gw.example.com", password: 5 } }),
			"INVALID_TRUNK_PASSWORD",
		],
		[
			"caller_id with quote",
			(b) => ({ ...b, trunk: { host: "gw.example.com", caller_id: 'a"b' } }),
			"INVALID_TRUNK_CALLER_ID",
		],
		[
			"bad codec",
			(b) => ({ ...b, trunk: { host: "gw.example.com", codecs: ["G729"] } }),
			"INVALID_TRUNK_CODECS",
		],
		[
			"empty codecs",
			(b) => ({ ...b, trunk: { host: "gw.example.com", codecs: [] } }),
			"INVALID_TRUNK_CODECS",
		],
		["no audio", (b) => ({ ...b, audio: undefined }), "INVALID_AUDIO"],
		["both audio kinds", (b) => ({ ...b, audio: { url: "https://x/a.wav", inline: wav } }), "INVALID_AUDIO"],
		["ftp audio url", (b) => ({ ...b, audio: { url: "ftp://x/a.wav" } }), "INVALID_AUDIO_URL"],
		["non-base64 inline", (b) => ({ ...b, audio: { inline: "***" } }), "INVALID_AUDIO_INLINE"],
		["ring timeout 0", (b) => ({ ...b, ring_timeout_s: 0 }), "INVALID_RING_TIMEOUT"],
		["ring timeout 301", (b) => ({ ...b, ring_timeout_s: 301 }), "INVALID_RING_TIMEOUT"],
		["max duration too long", (b) => ({ ...b, max_duration_s: 14401 }), "INVALID_MAX_DURATION"],
		["callback not a URL", (b) => ({ ...b, callback_url: "nope" }), "INVALID_CALLBACK_URL"],
		["callback javascript:", (b) => ({ ...b, callback_url: "javascript:alert(1)" }), "INVALID_CALLBACK_URL"],
	];
	for (const [name, mutate, code] of cases) {
		it(`400 ${code} for ${name}`, async () => {
			const r = await postCall(t, mutate(valid()));
			expect(r.status).toBe(400);
			expect(((await r.json()) as Json).error.code).toBe(code);
		});
	}
	it("400 INVALID_JSON for a broken body", async () => {
		const r = await fetch(`${t.base}/calls`, {
			method: "POST",
			headers: { "content-type": "application/json", authorization: `Bearer ${t.token}` },
			body: "{",
		});
		expect(r.status).toBe(400);
		expect(((await r.json()) as Json).error.code).toBe("INVALID_JSON");
	});
	it("422 for a bad audio file, and nothing is dialed", async () => {
		const r = await postCall(t, {
			...valid(),
			audio: { inline: Buffer.from("not audio at all").toString("base64") },
		});
		expect(r.status).toBe(422);
		expect(((await r.json()) as Json).error.code).toBe("AUDIO_UNSUPPORTED_FORMAT");
		expect(t.dialer.manager.active).toBe(0);
	});
	it("404 CALL_NOT_FOUND for unknown calls", async () => {
		for (const method of ["GET", "DELETE"]) {
			const r = await fetch(`${t.base}/calls/nope`, {
				method,
				headers: { authorization: `Bearer ${t.token}` },
			});
			expect(r.status).toBe(404);
			expect(((await r.json()) as Json).error.code).toBe("CALL_NOT_FOUND");
		}
	});
	it("201, then 409 CALL_EXISTS for a duplicate, 503 AT_CAPACITY when full, 202 on DELETE", async () => {
		const body = valid();
		const r = await postCall(t, body);
		expect(r.status).toBe(201);
		expect((await r.json()) as Json).toEqual({ call_id: body.call_id, state: "trying" });
		const dup = await postCall(t, body);
		expect(dup.status).toBe(409);
		expect(((await dup.json()) as Json).error.code).toBe("CALL_EXISTS");
		const full = await postCall(t, valid());
		expect(full.status).toBe(503);
		expect(((await full.json()) as Json).error.code).toBe("AT_CAPACITY");
		const got = await fetch(`${t.base}/calls/${encodeURIComponent(body.call_id)}`, {
			headers: { authorization: `Bearer ${t.token}` },
		});
		const view = (await got.json()) as Json;
		expect(view).toMatchObject({ call_id: body.call_id, to: "+15551234", state: "trying" });
		expect(view.events[0]).toMatchObject({ call_id: body.call_id, seq: 1, type: "trying" });
		const del = await fetch(`${t.base}/calls/${encodeURIComponent(body.call_id)}`, {
			method: "DELETE",
			headers: { authorization: `Bearer ${t.token}` },
		});
		expect(del.status).toBe(202);
	});
});

import { describe, expect, it, vi } from "vitest";
import { cloudflareTurnProvider } from "../../src/domain/turn/cloudflare";
import { createTurnProvider, parseIceUrls } from "../../src/domain/turn/config";
import { coturnProvider, hmacSha1Base64, mintTurnRestCredentials } from "../../src/domain/turn/coturn";
import { primaryTurnEndpoint, turnServerInfo } from "../../src/domain/turn/info";
import { TurnError } from "../../src/domain/turn/types";

const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z

describe("TURN REST shared-secret scheme (coturn use-auth-secret)", () => {
	it("matches an HMAC-SHA1 computed by openssl", async () => {
		// printf %s "1795308009:alice" | openssl dgst -binary -sha1 -hmac s3cret | base64
		expect(await hmacSha1Base64("s3cret", "1795308009:alice")).toBe("fI+4ny6lDGs77nzLWO+KUlTxMWo=");
	});

	it("puts the expiry before the user id and signs that username", async () => {
		const c = await mintTurnRestCredentials({ secret: "s3cret", userId: "alice", ttlS: 600, now: NOW });
		expect(c.username).toBe(`${NOW / 1000 + 600}:alice`);
		expect(c.credential).toBe(await hmacSha1Base64("s3cret", c.username));
		expect(c.expiresAt).toBe(NOW + 600_000);
	});

	it("refuses an empty secret and a user id that would break the username", async () => {
		await expect(mintTurnRestCredentials({ secret: "", userId: "a", ttlS: 60 })).rejects.toThrow(/secret/);
		await expect(mintTurnRestCredentials({ secret: "s", userId: "a:b", ttlS: 60 })).rejects.toThrow(/':'/);
	});

	it("gives credentials to turn: URLs only and clamps the TTL", async () => {
		const p = coturnProvider({
			secret: "s3cret",
			urls: [
				"stun:t.example:3478",
				"turn:t.example:3478?transport=udp",
				"turns:t.example:5349?transport=tcp",
			],
			ttlS: 10_000_000,
		});
		const c = await p.issue("u1", { now: NOW });
		expect(c.provider).toBe("coturn");
		expect(c.ttlS).toBe(172_800);
		expect(c.iceServers).toEqual([
			{ urls: ["stun:t.example:3478"] },
			{
				urls: ["turn:t.example:3478?transport=udp", "turns:t.example:5349?transport=tcp"],
				username: c.username,
				credential: c.credential,
			},
		]);
		expect((await coturnProvider({ secret: "s", urls: ["turn:x"], ttlS: 1 }).issue("u")).ttlS).toBe(60);
	});
});

function cfResponse(body: unknown, status = 201) {
	return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("Cloudflare Realtime TURN credential API", () => {
	const sample = {
		iceServers: [
			{ urls: ["stun:stun.cloudflare.com:3478", "stun:stun.cloudflare.com:53"] },
			{
				urls: [
					"turn:turn.cloudflare.com:3478?transport=udp",
					"turn:turn.cloudflare.com:53?transport=udp",
					"turn:turn.cloudflare.com:3478?transport=tcp",
					"turns:turn.cloudflare.com:5349?transport=tcp",
					"turns:turn.cloudflare.com:443?transport=tcp",
				],
				username: "cf-user",
				credential: "cf-cred",
			},
		],
	};

	it("posts the TTL with the bearer token to the key's generate-ice-servers URL", async () => {
		const fetch = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => cfResponse(sample));
		const p = cloudflareTurnProvider({
			keyId: "key/1",
			apiToken: "tok",
			ttlS: 7200,
			fetch: fetch as typeof globalThis.fetch,
		});
		const c = await p.issue("u1", { now: NOW });
		expect(fetch).toHaveBeenCalledOnce();
		const [url, init] = fetch.mock.calls[0] ?? [];
		expect(String(url)).toBe(
			"https://rtc.live.cloudflare.com/v1/turn/keys/key%2F1/credentials/generate-ice-servers",
		);
		expect(init?.method).toBe("POST");
		expect(new Headers(init?.headers).get("Authorization")).toBe("Bearer tok");
		expect(new Headers(init?.headers).get("Content-Type")).toBe("application/json");
		expect(JSON.parse(String(init?.body))).toEqual({ ttl: 7200 });
		expect(c).toMatchObject({
			provider: "cloudflare",
			username: "cf-user",
			credential: "cf-cred",
			ttlS: 7200,
			expiresAt: NOW + 7_200_000,
		});
		// Port 53 is dropped: browsers refuse it.
		expect(c.iceServers).toEqual([
			{ urls: ["stun:stun.cloudflare.com:3478"] },
			{
				urls: [
					"turn:turn.cloudflare.com:3478?transport=udp",
					"turn:turn.cloudflare.com:3478?transport=tcp",
					"turns:turn.cloudflare.com:5349?transport=tcp",
					"turns:turn.cloudflare.com:443?transport=tcp",
				],
				username: "cf-user",
				credential: "cf-cred",
			},
		]);
	});

	it("accepts a single URL string per server", async () => {
		const fetch = async () =>
			cfResponse({ iceServers: [{ urls: "turn:t:3478", username: "u", credential: "c" }] }, 200);
		const c = await cloudflareTurnProvider({ keyId: "k", apiToken: "t", ttlS: 60, fetch }).issue("u1");
		expect(c.iceServers).toEqual([{ urls: ["turn:t:3478"], username: "u", credential: "c" }]);
	});

	it.each([
		["a 401", async () => cfResponse({ errors: ["bad token tok"] }, 401), /answered 401/],
		["a 500", async () => new Response("oops", { status: 500 }), /answered 500/],
		["a body without iceServers", async () => cfResponse({ hello: 1 }), /unexpected body/],
		["non-JSON", async () => new Response("<html>", { status: 201 }), /unexpected body/],
		[
			"servers without credentials",
			async () => cfResponse({ iceServers: [{ urls: ["stun:s:3478"] }] }),
			/no credentials/,
		],
		["a network failure", async () => Promise.reject(new TypeError("connect ECONNREFUSED")), /unreachable/],
	])("turns %s into an upstream TurnError without leaking the token", async (_name, fetch, message) => {
		const p = cloudflareTurnProvider({
			keyId: "k",
			apiToken: "tok",
			ttlS: 60,
			fetch: fetch as typeof globalThis.fetch,
		});
		const err = await p.issue("u1").catch((e: unknown) => e);
		expect(err).toBeInstanceOf(TurnError);
		expect((err as TurnError).kind).toBe("upstream");
		expect((err as TurnError).message).toMatch(message);
		expect((err as TurnError).message).not.toContain("tok");
	});
});

describe("provider configuration", () => {
	it("reads TURN_URLS, ignoring junk", () => {
		expect(
			parseIceUrls(" stun:a:3478, turn:a:3478?transport=udp\nturns:a:5349  http://evil, javascript:x,"),
		).toEqual(["stun:a:3478", "turn:a:3478?transport=udp", "turns:a:5349"]);
	});

	it("builds coturn and cloudflare providers from env", async () => {
		const coturn = createTurnProvider({
			TURN_PROVIDER: "coturn",
			TURN_URLS: "turn:x:3478",
			TURN_SECRET: "s",
			TURN_TTL_S: "120",
		});
		expect(coturn.name).toBe("coturn");
		expect((await coturn.issue("u")).ttlS).toBe(120);
		const fetch = async () =>
			cfResponse({ iceServers: [{ urls: ["turn:t"], username: "u", credential: "c" }] });
		const cf = createTurnProvider(
			{ TURN_PROVIDER: "Cloudflare", CF_TURN_KEY_ID: "k", CF_TURN_API_TOKEN: "t", TURN_TTL_S: "junk" },
			{ fetch },
		);
		expect(cf.name).toBe("cloudflare");
		expect((await cf.issue("u")).ttlS).toBe(86_400);
	});

	it.each([
		[{ TURN_PROVIDER: "coturn", TURN_URLS: "turn:x" }, /TURN_SECRET/],
		[{ TURN_PROVIDER: "coturn", TURN_SECRET: "s", TURN_URLS: "stun:x:3478" }, /no turn/],
		[{ TURN_PROVIDER: "cloudflare", CF_TURN_KEY_ID: "k" }, /CF_TURN_API_TOKEN/],
		[{ TURN_PROVIDER: "twilio" }, /Unknown TURN_PROVIDER/],
	])("refuses incomplete configuration %#", (env, message) => {
		expect(() => createTurnProvider(env)).toThrow(message);
		try {
			createTurnProvider(env);
		} catch (e) {
			expect((e as TurnError).kind).toBe("not_configured");
		}
	});
});

describe("wire form", () => {
	it("keeps RTCIceServer entries and names the first TURN endpoint", async () => {
		const c = await coturnProvider({
			secret: "s",
			urls: ["stun:s:1", "turns:[2001:db8::1]:443?transport=tcp"],
			ttlS: 60,
		}).issue("u", { now: NOW });
		const info = turnServerInfo(c);
		expect(info).toMatchObject({
			username: c.username,
			credential: c.credential,
			credential_type: "password",
			ttl_s: 60,
			expires_at: NOW + 60_000,
		});
		expect(primaryTurnEndpoint(info)).toEqual({
			host: "2001:db8::1",
			port: 443,
			transport: "tcp",
			secure: true,
		});
		expect(primaryTurnEndpoint({ ice_servers: [{ urls: ["turn:t.example"] }] })).toEqual({
			host: "t.example",
			port: 3478,
			transport: "udp",
			secure: false,
		});
		expect(primaryTurnEndpoint({ ice_servers: [{ urls: ["stun:s:1"] }] })).toBeNull();
	});
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmacSha1Base64 } from "../../src/domain/turn/coturn";
import { TURN_RATE, turnApiError } from "../../src/domain/turn/lease";
import { TurnError } from "../../src/domain/turn/types";
import { ApiError } from "../../src/errors";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";

describe("POST /v1/turn/credentials", () => {
	it("hands out coturn credentials for the caller, valid for TURN_TTL_S, with the configured ICE servers", async () => {
		const alice = await createTestUser();
		const before = Date.now();
		const res = await api("/v1/turn/credentials", { method: "POST", headers: alice.auth });
		expect(res.status).toBe(200);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		const body = (await res.json()) as {
			ice_servers: { urls: string[]; username?: string; credential?: string }[];
			username: string;
			credential: string;
			credential_type: string;
			ttl_s: number;
			expires_at: number;
		};
		const [expiry, user] = body.username.split(":");
		expect(user).toBe(alice.id);
		expect(Number(expiry)).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 3600);
		expect(Number(expiry)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
		expect(body.credential).toBe(await hmacSha1Base64(env.TURN_SECRET, body.username));
		expect(body).toMatchObject({
			credential_type: "password",
			ttl_s: 3600,
			expires_at: Number(expiry) * 1000,
		});
		expect(body.ice_servers).toEqual([
			{ urls: ["stun:turn.hatch.test:3478"] },
			{
				urls: ["turn:turn.hatch.test:3478?transport=udp", "turns:turn.hatch.test:5349?transport=tcp"],
				username: body.username,
				credential: body.credential,
			},
		]);
	});

	it("requires a signed-in user", async () => {
		const res = await api("/v1/turn/credentials", { method: "POST" });
		expect(res.status).toBe(401);
		expect(await errorCode(res)).toBe("UNAUTHENTICATED");
		const forged = await api("/v1/turn/credentials", {
			method: "POST",
			headers: { Authorization: "Bearer a.b.c" },
		});
		expect(forged.status).toBe(401);
	});

	it("is not served on GET", async () => {
		const alice = await createTestUser();
		const res = await api("/v1/turn/credentials", { headers: alice.auth });
		expect(res.status).toBe(404);
	});

	it(`limits each user to ${TURN_RATE.limit} leases a minute, with Retry-After`, async () => {
		const bob = await createTestUser();
		const carol = await createTestUser();
		for (let i = 0; i < TURN_RATE.limit; i++) {
			const r = await api("/v1/turn/credentials", { method: "POST", headers: bob.auth });
			expect(r.status).toBe(200);
		}
		const over = await api("/v1/turn/credentials", { method: "POST", headers: bob.auth });
		expect(over.status).toBe(429);
		expect(await errorCode(over)).toBe("RATE_LIMITED");
		expect(Number(over.headers.get("Retry-After"))).toBeGreaterThan(0);
		// Another user is not affected.
		expect((await api("/v1/turn/credentials", { method: "POST", headers: carol.auth })).status).toBe(200);
	});

	it("maps provider failures to 503/502 without internals", () => {
		const nc = turnApiError(new TurnError("not_configured", "TURN_SECRET is not set")) as ApiError;
		expect(nc).toBeInstanceOf(ApiError);
		expect([nc.code, nc.status]).toEqual(["TURN_NOT_CONFIGURED", 503]);
		expect(nc.message).not.toContain("TURN_SECRET");
		const up = turnApiError(new TurnError("upstream", "Cloudflare TURN answered 401")) as ApiError;
		expect([up.code, up.status]).toEqual(["TURN_UNAVAILABLE", 502]);
		const other = new Error("bug");
		expect(turnApiError(other)).toBe(other);
	});

	it("is documented in the OpenAPI document with GET /v1/calls", async () => {
		const doc = (await (await api("/openapi.json")).json()) as {
			paths: Record<string, Record<string, unknown>>;
		};
		expect(Object.keys(doc.paths["/v1/turn/credentials"] ?? {})).toEqual(["post"]);
		expect(Object.keys(doc.paths["/v1/calls"] ?? {})).toEqual(["get"]);
	});
});

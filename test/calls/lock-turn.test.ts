import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmacSha1Base64 } from "../../src/domain/turn/coturn";
import { TURN_RATE } from "../../src/domain/turn/lease";
import { api } from "../helpers/http";
import { users, WsClient } from "./helpers";

describe("call.lock_turn", () => {
	it("answers the seed's turn server fields for the socket's own user only", async () => {
		const [alice] = await users("Alice");
		const a = await WsClient.connect(alice);
		const r = await a.request<Record<string, unknown>>({ type: "call.lock_turn" });
		expect(Object.keys(r).sort()).toEqual([
			"credential",
			"credential_type",
			"expires_at",
			"ice_servers",
			"ttl_s",
			"username",
		]);
		expect(String(r.username).split(":")[1]).toBe(alice.id);
		expect(r.credential).toBe(await hmacSha1Base64(env.TURN_SECRET, String(r.username)));
		// Asking for someone else is not expressible: extra fields are refused.
		expect(await a.call({ type: "call.lock_turn", user: "someone-else" })).toMatchObject({ code: 400 });
		a.close();
	});

	it("shares the per-user lease limit with POST /v1/turn/credentials", async () => {
		const [bob] = await users("Bob");
		const b = await WsClient.connect(bob);
		for (let i = 0; i < TURN_RATE.limit - 1; i++) await b.request({ type: "call.lock_turn" });
		expect((await api("/v1/turn/credentials", { method: "POST", headers: bob.auth })).status).toBe(200);
		expect(await b.call({ type: "call.lock_turn" })).toMatchObject({
			type: "error",
			code: 429,
			reason: "RATE_LIMITED",
		});
		b.close();
	});
});

/** Bad input on the dialer seed's adapter: malformed bodies are 400 with a stable code, and nothing is stored or dialed. */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createDb } from "../../../src/db/client";
import { hashPassword } from "../../../src/domain/auth/password";
import { setDialerForTests } from "../../../src/domain/dialer";
import { createUser, setRole } from "../../../src/domain/users/users";
import { FakeDialer } from "../../campaigns/helpers";
import { api } from "../../helpers/http";

afterEach(() => setDialerForTests(null));

describe("dialer seed: bad input", () => {
	it("malformed and wrong bodies on every /srv1 resource: 400, nothing stored, nothing dialed", async () => {
		const dialer = new FakeDialer();
		setDialerForTests(dialer);
		const db = createDb(env.DB);
		const login = `bi${Date.now().toString(36)}`;
		const u = await createUser(db, {
			username: login,
			passwordHash: await hashPassword("correct horse battery"),
			displayName: login,
		});
		await setRole(db, u.id, "admin");
		const res = await api("/compat/dialer/srv1/auth/login", {
			method: "POST",
			headers: { "CF-Connecting-IP": "192.0.2.77" },
			json: { login, password: "correct horse battery" },
		});
		const auth = { Authorization: `Bearer ${((await res.json()) as { acc_token: string }).acc_token}` };
		const post = (path: string, body: string) =>
			api(`/compat/dialer${path}`, {
				method: "POST",
				headers: { ...auth, "Content-Type": "application/json" },
				body,
			});
		for (const path of ["/srv1/auth/login", "/srv1/admin/adduser", "/srv1/gateway", "/srv1/call/sample"]) {
			for (const body of ["{not json", "[]", '{"login": 5}']) {
				const r = await post(path, body);
				expect(r.status, `${path} ${body}`).toBe(400);
				expect(((await r.json()) as { error: { code: string } }).error.code).toMatch(/^[A-Z][A-Z_]+$/);
			}
		}
		const gateways = (await (await api("/compat/dialer/srv1/gateway", { headers: auth })).json()) as {
			gateways: unknown[];
		};
		expect(gateways.gateways).toEqual([]);
		expect(dialer.calls).toEqual([]);
		const sound = await api("/compat/dialer/srv1/sound", {
			method: "POST",
			headers: { ...auth, "Content-Type": "audio/wav" },
			body: "not a wav",
		});
		expect(sound.status).toBeGreaterThanOrEqual(400);
		expect(sound.status).toBeLessThan(500);
		const sounds = (await (await api("/compat/dialer/srv1/sound", { headers: auth })).json()) as {
			sounds: unknown[];
		};
		expect(sounds.sounds).toEqual([]);
	});
});

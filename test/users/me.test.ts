import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countRows, login, registerUser, type Tokens } from "../auth/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";

const patch = (auth: Record<string, string>, json: unknown) =>
	api("/v1/me", { method: "PATCH", headers: auth, json });

describe("GET /v1/me", () => {
	it("returns the whole account to its owner", async () => {
		const user = await registerUser({ displayName: "Ann" });
		const res = await api("/v1/me", { headers: user.auth });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			id: user.user.id,
			email: user.email,
			email_verified: true,
			display_name: "Ann",
			role: "user",
			theme: "day",
			magnification: 1,
			recents: [],
			hidden: false,
		});
	});

	it("is 401 without a token", async () => {
		const res = await api("/v1/me");
		expect(res.status).toBe(401);
		expect(res.headers.get("WWW-Authenticate")).toMatch(/Bearer/);
	});
});

describe("PATCH /v1/me", () => {
	it("changes profile and preferences and keeps search_name in step", async () => {
		const user = await createTestUser({ displayName: "Old Name" });
		const res = await patch(user.auth, {
			display_name: "Joe",
			first_name: "Joseph",
			last_name: "Armstrong",
			age: 70,
			gender: "male",
			theme: "night",
			magnification: 1.4,
			recents: ["/chat/1", "/chat/2", "/chat/1"],
			hidden: true,
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			display_name: "Joe",
			first_name: "Joseph",
			last_name: "Armstrong",
			age: 70,
			gender: "male",
			theme: "night",
			magnification: 1.4,
			recents: ["/chat/1", "/chat/2"],
			hidden: true,
		});
		const row = await env.DB.prepare("select search_name from users where id = ?")
			.bind(user.id)
			.first<{ search_name: string }>();
		expect(row?.search_name).toBe("joe joseph armstrong");
		// A partial patch leaves the rest alone, and clearing a name updates the search text.
		const partial = await patch(user.auth, { last_name: null });
		expect(await partial.json()).toMatchObject({
			display_name: "Joe",
			first_name: "Joseph",
			last_name: null,
			theme: "night",
		});
		const after = await env.DB.prepare("select search_name from users where id = ?")
			.bind(user.id)
			.first<{ search_name: string }>();
		expect(after?.search_name).toBe("joe joseph");
	});

	it("refuses role, email and other fields it does not own — a user cannot raise their own role", async () => {
		const user = await createTestUser();
		for (const json of [
			{ role: "admin" },
			{ display_name: "x", role: "operator" },
			{ email: "x@y.z" },
			{ id: "other" },
		]) {
			const res = await patch(user.auth, json);
			expect(res.status).toBe(400);
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		const row = await env.DB.prepare("select role, display_name from users where id = ?")
			.bind(user.id)
			.first<{ role: string; display_name: string }>();
		expect(row).toEqual({ role: "user", display_name: user.email });
	});

	it("rejects out-of-range and wrongly typed values, changing nothing", async () => {
		const user = await createTestUser({ displayName: "Same" });
		const before = await env.DB.prepare("select * from users where id = ?").bind(user.id).first();
		for (const json of [
			{ magnification: 0.6 },
			{ magnification: 1.5 },
			{ magnification: "1.0" },
			{ theme: "dark" },
			{ age: -1 },
			{ age: 12.5 },
			{ gender: "robot" },
			{ hidden: "yes" },
			{ display_name: "" },
			{ display_name: "x".repeat(65) },
			{ recents: "/chat/1" },
			{ recents: ["not-a-path"] },
			{ recents: Array.from({ length: 21 }, (_, i) => `/chat/${i}`) },
		]) {
			const res = await patch(user.auth, json);
			expect(res.status, JSON.stringify(json)).toBe(400);
		}
		const malformed = await api("/v1/me", {
			method: "PATCH",
			headers: { ...user.auth, "Content-Type": "application/json" },
			body: "{",
		});
		expect(await errorCode(malformed)).toBe("INVALID_JSON");
		const huge = await patch(user.auth, { display_name: "x", pad: "y".repeat(70_000) });
		expect(huge.status).toBe(413);
		expect(await env.DB.prepare("select * from users where id = ?").bind(user.id).first()).toEqual(before);
	});

	it("is 401 without a token", async () => {
		expect((await api("/v1/me", { method: "PATCH", json: { theme: "night" } })).status).toBe(401);
	});
});

describe("sessions: /v1/me/sessions", () => {
	it("lists my devices and marks the current one", async () => {
		const user = await registerUser();
		await login(user.email, user.password, { "User-Agent": "Phone/2" });
		const res = await api("/v1/me/sessions", { headers: user.auth });
		expect(res.status).toBe(200);
		const { items } = (await res.json()) as {
			items: { id: string; current: boolean; user_agent: string | null }[];
		};
		expect(items).toHaveLength(2);
		expect(items.filter((s) => s.current).map((s) => s.id)).toEqual([user.session_id]);
		expect(items.some((s) => s.user_agent === "Phone/2")).toBe(true);
	});

	it("revokes one device; its tokens stop working, mine keep working", async () => {
		const user = await registerUser();
		const phone = (await (await login(user.email, user.password)).json()) as Tokens;
		const res = await api(`/v1/me/sessions/${phone.session_id}`, { method: "DELETE", headers: user.auth });
		expect(res.status).toBe(204);
		expect((await api("/v1/me", { headers: { Authorization: `Bearer ${phone.access_token}` } })).status).toBe(
			401,
		);
		expect(
			(await api("/v1/auth/refresh", { method: "POST", json: { refresh_token: phone.refresh_token } }))
				.status,
		).toBe(401);
		expect((await api("/v1/me", { headers: user.auth })).status).toBe(200);
		const again = await api(`/v1/me/sessions/${phone.session_id}`, { method: "DELETE", headers: user.auth });
		expect(again.status).toBe(404);
	});

	it("cannot see or revoke another user's sessions", async () => {
		const alice = await registerUser();
		const mallory = await registerUser();
		const res = await api(`/v1/me/sessions/${alice.session_id}`, { method: "DELETE", headers: mallory.auth });
		expect(res.status).toBe(404);
		expect(await errorCode(res)).toBe("NOT_FOUND");
		expect((await api("/v1/me", { headers: alice.auth })).status).toBe(200);
		const list = (await (await api("/v1/me/sessions", { headers: mallory.auth })).json()) as {
			items: { id: string }[];
		};
		expect(list.items.map((s) => s.id)).not.toContain(alice.session_id);
	});

	it("signs out everywhere", async () => {
		const user = await registerUser();
		const other = (await (await login(user.email, user.password)).json()) as Tokens;
		const res = await api("/v1/me/sessions/revoke-all", { method: "POST", headers: user.auth });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ revoked: 2 });
		for (const t of [user.access_token, other.access_token]) {
			expect((await api("/v1/me", { headers: { Authorization: `Bearer ${t}` } })).status).toBe(401);
		}
		expect(await countRows("sessions")).toBeGreaterThan(0);
	});

	it("is 401 without a token", async () => {
		expect((await api("/v1/me/sessions")).status).toBe(401);
		expect((await api("/v1/me/sessions/revoke-all", { method: "POST" })).status).toBe(401);
	});
});

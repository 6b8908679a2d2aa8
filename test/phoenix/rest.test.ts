import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { bearer, register, type SignedIn } from "./helpers";

describe("Phoenix seed REST under /compat/phoenix", () => {
	it("POST /auth/register answers the seed's shape; display_name defaults to the email", async () => {
		const me = await register();
		expect(me.user).toEqual({
			id: expect.any(String),
			email: me.user.email,
			display_name: me.user.email,
			hidden: false,
			theme: "day",
			magnification: 1,
			recents: [],
		});
		expect(me.conversations).toEqual([]);
		expect(me.users).toEqual([]);
		expect(me.auth_token.length).toBeGreaterThan(20);
		expect(me.refresh_token.length).toBeGreaterThan(20);
		const named = await register("My Cool Name");
		expect(named.user.display_name).toBe("My Cool Name");
		const again = await api("/compat/phoenix/auth/register", {
			method: "POST",
			json: { email: me.user.email, password: "VerySecurePassword1!" },
		});
		expect(await errorCode(again)).toBe("EMAIL_TAKEN");
		const bad = await api("/compat/phoenix/auth/register", {
			method: "POST",
			json: { email: "nope", password: "x" },
		});
		expect(bad.status).toBe(400);
	});

	it("login and refresh return the same data as register; a refresh token works once", async () => {
		const me = await register();
		const login = await api("/compat/phoenix/auth/login", {
			method: "POST",
			json: { email: me.user.email, password: "VerySecurePassword1!" },
		});
		expect(login.status).toBe(200);
		const body = (await login.json()) as SignedIn;
		expect(body.user).toEqual(me.user);
		const refresh = await api("/compat/phoenix/auth/refresh", {
			method: "POST",
			json: { token: body.refresh_token },
		});
		expect(refresh.status).toBe(200);
		const next = (await refresh.json()) as SignedIn;
		expect(next.user.id).toBe(me.user.id);
		expect(next.refresh_token).not.toBe(body.refresh_token);
		const wrong = await api("/compat/phoenix/auth/login", {
			method: "POST",
			json: { email: me.user.email, password: "WrongPassword1!" },
		});
		expect(wrong.status).toBe(401);
	});

	it("PATCH /api/profile takes and returns the seed's example; the API needs a bearer token", async () => {
		const me = await register();
		const example = {
			hidden: false,
			theme: "day",
			magnification: 1.0,
			recents: ["/chat/1787a16a-e6a3-4a22-bfdc-0f0ac7253ad5"],
		};
		const res = await api("/compat/phoenix/api/profile", {
			method: "PATCH",
			headers: bearer(me),
			json: example,
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(example);
		const night = await api("/compat/phoenix/api/profile", {
			method: "PATCH",
			headers: bearer(me),
			json: { theme: "night", magnification: 1.4 },
		});
		expect(await night.json()).toMatchObject({
			theme: "night",
			magnification: 1.4,
			recents: example.recents,
		});
		const tooBig = await api("/compat/phoenix/api/profile", {
			method: "PATCH",
			headers: bearer(me),
			json: { magnification: 2 },
		});
		expect(tooBig.status).toBe(400);
		expect((await api("/compat/phoenix/api/profile", { method: "PATCH", json: example })).status).toBe(401);
	});

	it("GET /api/users pages with page_token; GET /api/conversations/private/:id is null before any", async () => {
		const me = await register();
		const other = await register();
		const page = await api("/compat/phoenix/api/users?page_size=1", { headers: bearer(me) });
		const body = (await page.json()) as {
			items: { id: string; email: string; display_name: string }[];
			page_token: string | null;
		};
		expect(body.items).toHaveLength(1);
		expect(Object.keys(body.items[0] ?? {}).sort()).toEqual(["display_name", "email", "id"]);
		expect(body.page_token).toEqual(expect.any(String));
		const next = await api(`/compat/phoenix/api/users?page_size=1&page_token=${body.page_token}`, {
			headers: bearer(me),
		});
		expect(((await next.json()) as { items: { id: string }[] }).items[0]?.id).not.toBe(body.items[0]?.id);
		const none = await api(`/compat/phoenix/api/conversations/private/${other.user.id}`, {
			headers: bearer(me),
		});
		expect(await none.json()).toEqual({ conversation_id: null });
	});

	it("PATCH /api/password needs a matching confirmation, then revokes every token; signout_all is 204", async () => {
		const me = await register();
		const mismatch = await api("/compat/phoenix/api/password", {
			method: "PATCH",
			headers: bearer(me),
			json: {
				password: "VerySecurePassword1!",
				new_password: "VerySecurePassword2!",
				new_password_confirmation: "x",
			},
		});
		expect(await errorCode(mismatch)).toBe("PASSWORD_CONFIRMATION_MISMATCH");
		const ok = await api("/compat/phoenix/api/password", {
			method: "PATCH",
			headers: bearer(me),
			json: {
				password: "VerySecurePassword1!",
				new_password: "VerySecurePassword2!",
				new_password_confirmation: "VerySecurePassword2!",
			},
		});
		expect(ok.status).toBe(204);
		expect(
			(await api("/compat/phoenix/api/profile", { method: "PATCH", headers: bearer(me), json: {} })).status,
		).toBe(401);
		const login = await api("/compat/phoenix/auth/login", {
			method: "POST",
			json: { email: me.user.email, password: "VerySecurePassword2!" },
		});
		const fresh = (await login.json()) as SignedIn;
		const out = await api("/compat/phoenix/api/signout_all", { method: "POST", headers: bearer(fresh) });
		expect(out.status).toBe(204);
		const refresh = await api("/compat/phoenix/auth/refresh", {
			method: "POST",
			json: { token: fresh.refresh_token },
		});
		expect(refresh.status).toBe(401);
	});
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { registerUser } from "../auth/helpers";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";

const setRole = (auth: Record<string, string>, id: string, role: unknown) =>
	api(`/v1/admin/users/${id}/role`, { method: "PUT", headers: auth, json: { role } });

describe("PUT /v1/admin/users/{id}/role", () => {
	it("an admin promotes a user to operator; it shows at their next refresh", async () => {
		const admin = await createTestUser({ role: "admin" });
		const user = await registerUser();
		const res = await setRole(admin.auth, user.user.id, "operator");
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ id: user.user.id, role: "operator" });
		const refreshed = await api("/v1/auth/refresh", {
			method: "POST",
			json: { refresh_token: user.refresh_token },
		});
		expect(((await refreshed.json()) as { user: { role: string } }).user.role).toBe("operator");
	});

	it("a demotion takes effect at once: the user's sessions are revoked", async () => {
		const admin = await createTestUser({ role: "admin" });
		const user = await registerUser();
		await env.DB.prepare("update users set role = 'admin' where id = ?").bind(user.user.id).run();
		const asAdmin = (await (
			await api("/v1/auth/refresh", { method: "POST", json: { refresh_token: user.refresh_token } })
		).json()) as { access_token: string };
		const auth = { Authorization: `Bearer ${asAdmin.access_token}` };
		expect((await api(`/v1/admin/users/${admin.id}`, { headers: auth })).status).toBe(200);
		expect((await setRole(admin.auth, user.user.id, "user")).status).toBe(200);
		expect((await api(`/v1/admin/users/${admin.id}`, { headers: auth })).status).toBe(401);
	});

	it("a user cannot raise their own role (or anyone's)", async () => {
		const user = await registerUser();
		const other = await createTestUser();
		for (const [id, role] of [
			[user.user.id, "admin"],
			[user.user.id, "operator"],
			[other.id, "admin"],
		] as const) {
			const res = await setRole(user.auth, id, role);
			expect(res.status).toBe(403);
			expect(await errorCode(res)).toBe("FORBIDDEN");
		}
		const row = await env.DB.prepare("select role from users where id = ?")
			.bind(user.user.id)
			.first<{ role: string }>();
		expect(row?.role).toBe("user");
	});

	it("an operator cannot change roles", async () => {
		const operator = await createTestUser({ role: "operator" });
		const user = await createTestUser();
		expect((await setRole(operator.auth, operator.id, "admin")).status).toBe(403);
		expect((await setRole(operator.auth, user.id, "operator")).status).toBe(403);
	});

	it("an admin cannot change their own role (the last admin cannot lock everyone out)", async () => {
		const admin = await createTestUser({ role: "admin" });
		const res = await setRole(admin.auth, admin.id, "user");
		expect(res.status).toBe(403);
	});

	it("bad input: unknown role, unknown user, extra fields, no token", async () => {
		const admin = await createTestUser({ role: "admin" });
		const user = await createTestUser();
		expect(await errorCode(await setRole(admin.auth, user.id, "superuser"))).toBe("VALIDATION_FAILED");
		expect(await errorCode(await setRole(admin.auth, user.id, 1))).toBe("VALIDATION_FAILED");
		const extra = await api(`/v1/admin/users/${user.id}/role`, {
			method: "PUT",
			headers: admin.auth,
			json: { role: "operator", email: "x@y.z" },
		});
		expect(await errorCode(extra)).toBe("VALIDATION_FAILED");
		expect((await setRole(admin.auth, "01900000-0000-7000-8000-000000000000", "operator")).status).toBe(404);
		expect(
			(await api(`/v1/admin/users/${user.id}/role`, { method: "PUT", json: { role: "admin" } })).status,
		).toBe(401);
		const row = await env.DB.prepare("select role from users where id = ?")
			.bind(user.id)
			.first<{ role: string }>();
		expect(row?.role).toBe("user");
	});
});

describe("GET /v1/admin/users/{id}", () => {
	it("operators and admins see email and phone; users do not get in", async () => {
		const target = await createTestUser();
		for (const role of ["operator", "admin"] as const) {
			const staff = await createTestUser({ role });
			const res = await api(`/v1/admin/users/${target.id}`, { headers: staff.auth });
			expect(res.status).toBe(200);
			expect(await res.json()).toMatchObject({ id: target.id, email: target.email });
		}
		const user = await createTestUser();
		expect((await api(`/v1/admin/users/${target.id}`, { headers: user.auth })).status).toBe(403);
	});
});

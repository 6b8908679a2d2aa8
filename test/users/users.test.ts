import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";

type Page = { items: { id: string; display_name: string }[]; page_token: string | null };

describe("GET /v1/users/{id} and POST /v1/users/bulk", () => {
	it("shows public info, never email or phone", async () => {
		const viewer = await createTestUser();
		const ann = await createTestUser({ displayName: "Ann Public" });
		const res = await api(`/v1/users/${ann.id}`, { headers: viewer.auth });
		expect(res.status).toBe(200);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toMatchObject({ id: ann.id, display_name: "Ann Public", role: "user" });
		expect(Object.keys(body)).not.toContain("email");
		expect(Object.keys(body)).not.toContain("phone");
		expect(JSON.stringify(body)).not.toContain(ann.email);
	});

	it("shows the default display name (the email) to others as its local part only", async () => {
		const viewer = await createTestUser();
		const ann = await createTestUser({ email: "ann.default@example.test" });
		const body = (await (await api(`/v1/users/${ann.id}`, { headers: viewer.auth })).json()) as {
			display_name: string;
		};
		expect(body.display_name).toBe("ann.default");
		const me = (await (await api("/v1/me", { headers: ann.auth })).json()) as { display_name: string };
		expect(me.display_name).toBe("ann.default@example.test");
	});

	it("search cannot probe for emails", async () => {
		const viewer = await createTestUser();
		const u = await createTestUser({ email: "probe.target@secret-domain.test" });
		await api("/v1/me", { method: "PATCH", headers: u.auth, json: { theme: "night" } }); // recomputes search_name
		const page = (await (await api("/v1/users?q=secret-domain", { headers: viewer.auth })).json()) as Page;
		expect(page.items).toEqual([]);
	});

	it("404 for an unknown id, 400 for a malformed one, 401 without a token", async () => {
		const viewer = await createTestUser();
		const missing = await api("/v1/users/01900000-0000-7000-8000-000000000000", { headers: viewer.auth });
		expect(missing.status).toBe(404);
		expect(await errorCode(await api("/v1/users/not-an-id", { headers: viewer.auth }))).toBe(
			"VALIDATION_FAILED",
		);
		expect((await api(`/v1/users/${viewer.id}`)).status).toBe(401);
	});

	it("bulk returns the known ones, without emails", async () => {
		const viewer = await createTestUser();
		const a = await createTestUser();
		const b = await createTestUser();
		const res = await api("/v1/users/bulk", {
			method: "POST",
			headers: viewer.auth,
			json: { ids: [a.id, b.id, a.id, "01900000-0000-7000-8000-000000000000"] },
		});
		expect(res.status).toBe(200);
		const body = (await res.json()) as { items: { id: string }[] };
		expect(body.items.map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
		expect(JSON.stringify(body)).not.toContain("@");
	});

	it("bulk rejects bad input", async () => {
		const viewer = await createTestUser();
		for (const json of [
			{},
			{ ids: [] },
			{ ids: "x" },
			{ ids: ["nope"] },
			{ ids: Array(101).fill(viewer.id) },
		]) {
			const res = await api("/v1/users/bulk", { method: "POST", headers: viewer.auth, json });
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		expect((await api("/v1/users/bulk", { method: "POST", json: { ids: [viewer.id] } })).status).toBe(401);
	});
});

describe("GET /v1/users (list and search)", () => {
	it("pages through everyone with page_token / page_size, no repeats", async () => {
		const viewer = await createTestUser();
		for (let i = 0; i < 5; i++) await createTestUser({ displayName: `Pager ${i}` });
		const seen: string[] = [];
		let pageToken: string | null = null;
		for (let guard = 0; guard < 20; guard++) {
			const q: string = pageToken ? `&page_token=${pageToken}` : "";
			const res = await api(`/v1/users?page_size=2${q}`, { headers: viewer.auth });
			expect(res.status).toBe(200);
			const page = (await res.json()) as Page;
			expect(page.items.length).toBeLessThanOrEqual(2);
			seen.push(...page.items.map((u) => u.id));
			pageToken = page.page_token;
			if (!pageToken) break;
		}
		expect(new Set(seen).size).toBe(seen.length);
		expect(seen.length).toBeGreaterThanOrEqual(6);
		expect(JSON.stringify(seen)).toContain(viewer.id);
	});

	it("searches by name, case-insensitively, treating % and _ literally", async () => {
		const viewer = await createTestUser();
		const zed = await createTestUser({ displayName: "Zedediah Quux" });
		await createTestUser({ displayName: "Other Person" });
		const res = await api("/v1/users?q=zEdEd", { headers: viewer.auth });
		const page = (await res.json()) as Page;
		expect(page.items.map((u) => u.id)).toEqual([zed.id]);
		const wild = (await (await api("/v1/users?q=%25", { headers: viewer.auth })).json()) as Page;
		expect(wild.items).toEqual([]);
		const under = (await (await api("/v1/users?q=_", { headers: viewer.auth })).json()) as Page;
		expect(under.items).toEqual([]);
	});

	it("finds a user by a name set through PATCH /v1/me", async () => {
		const viewer = await createTestUser();
		const u = await createTestUser();
		await api("/v1/me", { method: "PATCH", headers: u.auth, json: { last_name: "Wunderbar" } });
		const page = (await (await api("/v1/users?q=wunderbar", { headers: viewer.auth })).json()) as Page;
		expect(page.items.map((x) => x.id)).toEqual([u.id]);
	});

	it("rejects bad paging input and requires a token", async () => {
		const viewer = await createTestUser();
		for (const q of ["page_size=0", "page_size=101", "page_size=abc", "page_token=%21%21", "q="]) {
			const res = await api(`/v1/users?${q}`, { headers: viewer.auth });
			expect(res.status, q).toBe(400);
		}
		expect((await api("/v1/users")).status).toBe(401);
	});
});

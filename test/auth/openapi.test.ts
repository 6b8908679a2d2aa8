import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";

type Op = { security?: Record<string, string[]>[]; requestBody?: unknown };
type Doc = { paths: Record<string, Record<string, Op>> };

const PUBLIC = [
	["post", "/v1/auth/register"],
	["post", "/v1/auth/register/confirm"],
	["post", "/v1/auth/login"],
	["post", "/v1/auth/refresh"],
	["post", "/v1/auth/password/forgot"],
	["post", "/v1/auth/password/reset"],
	["post", "/v1/auth/password/reset/check"],
	["post", "/v1/auth/email/confirm"],
	["post", "/v1/auth/phone/code"],
	["post", "/v1/auth/phone/verify"],
	["post", "/oauth/token"],
] as const;

const BEARER = [
	["post", "/v1/auth/logout"],
	["get", "/v1/me"],
	["patch", "/v1/me"],
	["patch", "/v1/me/password"],
	["post", "/v1/me/email/token"],
	["patch", "/v1/me/email"],
	["post", "/v1/me/email/confirmation"],
	["get", "/v1/me/sessions"],
	["delete", "/v1/me/sessions/{id}"],
	["post", "/v1/me/sessions/revoke-all"],
	["get", "/v1/users"],
	["get", "/v1/users/{id}"],
	["post", "/v1/users/bulk"],
	["get", "/v1/admin/users/{id}"],
	["put", "/v1/admin/users/{id}/role"],
	["post", "/v1/admin/users/{id}/sessions/revoke-all"],
] as const;

describe("the accounts API in /openapi.json", () => {
	it("documents every route, with bearer security exactly where a token is needed", async () => {
		const doc = (await (await api("/openapi.json")).json()) as Doc;
		for (const [method, path] of PUBLIC) {
			const op = doc.paths[path]?.[method];
			expect(op, `${method} ${path}`).toBeDefined();
			expect(op?.security, `${method} ${path}`).toBeUndefined();
		}
		for (const [method, path] of BEARER) {
			const op = doc.paths[path]?.[method];
			expect(op, `${method} ${path}`).toBeDefined();
			expect(op?.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
		}
	});

	it("documents request bodies from the same zod schemas that validate them", async () => {
		const doc = (await (await api("/openapi.json")).json()) as Doc & {
			components: {
				schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }>;
			};
		};
		expect(doc.components.schemas.RegisterRequest?.properties).toHaveProperty("display_name");
		expect(doc.components.schemas.RegisterRequest?.additionalProperties).toBe(false);
		expect(doc.components.schemas.ProfilePatch?.properties).toHaveProperty("magnification");
	});
});

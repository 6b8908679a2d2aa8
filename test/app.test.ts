import { describe, expect, it } from "vitest";
import { api, errorCode } from "./helpers/http";
import { createTestUser } from "./helpers/users";

describe("the app shell", () => {
	it("answers /health with the database reachable", async () => {
		const res = await api("/health");
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ ok: true, service: "hatch" });
		expect(res.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("keeps a sane client request id and replaces a hostile one", async () => {
		const kept = await api("/health", { headers: { "X-Request-Id": "client-trace-123" } });
		expect(kept.headers.get("X-Request-Id")).toBe("client-trace-123");
		const replaced = await api("/health", { headers: { "X-Request-Id": "<script>alert(1)</script>" } });
		expect(replaced.headers.get("X-Request-Id")).not.toContain("<");
	});

	it("renders unknown routes in the one error shape", async () => {
		const res = await api("/v1/nope");
		expect(res.status).toBe(404);
		expect(await errorCode(res)).toBe("NOT_FOUND");
	});

	it("serves an OpenAPI 3.1 document with the bearer scheme", async () => {
		const res = await api("/openapi.json");
		expect(res.status).toBe(200);
		const doc = (await res.json()) as {
			openapi: string;
			paths: Record<string, unknown>;
			components: { securitySchemes: Record<string, { scheme: string }> };
		};
		expect(doc.openapi).toBe("3.1.0");
		expect(doc.paths["/health"]).toBeDefined();
		expect(doc.components.securitySchemes.bearerAuth?.scheme).toBe("bearer");
	});

	it("serves interactive docs at /docs", async () => {
		const res = await api("/docs");
		expect(res.status).toBe(200);
		expect(await res.text()).toContain("/openapi.json");
	});

	it("mints tokens the test helper can use", async () => {
		const alice = await createTestUser();
		expect(alice.token.split(".")).toHaveLength(3);
	});
});

describe("a body that is not JSON", () => {
	it("is refused with 415 UNSUPPORTED_MEDIA_TYPE, saying to send JSON", async () => {
		const email = `form-${crypto.randomUUID()}@example.com`;
		const res = await api("/v1/auth/register", {
			method: "POST",
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({
				email,
				password: "a long enough passphrase",
				display_name: "Form",
			}).toString(),
		});
		expect(res.status).toBe(415);
		const body = (await res.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
		expect(body.error.message).toMatch(/application\/json/);
	});
});

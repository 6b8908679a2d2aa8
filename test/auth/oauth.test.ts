import { describe, expect, it } from "vitest";
import { api } from "../helpers/http";
import { freshIp, registerUser } from "./helpers";

const token = (form: Record<string, string> | string, headers: Record<string, string> = {}) =>
	api("/oauth/token", {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded", ...freshIp(), ...headers },
		body: typeof form === "string" ? form : new URLSearchParams(form).toString(),
	});

type OAuthError = { error: string; error_description?: string };

describe("POST /oauth/token (RFC 6749)", () => {
	it("password grant: §5.1 response with no-store", async () => {
		const user = await registerUser();
		const res = await token({
			grant_type: "password",
			username: user.email,
			password: user.password,
			scope: "any",
		});
		expect(res.status).toBe(200);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		expect(res.headers.get("Pragma")).toBe("no-cache");
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toMatchObject({ token_type: "Bearer", expires_in: 1800 });
		expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type"]);
		const me = await api("/v1/me", { headers: { Authorization: `Bearer ${body.access_token}` } });
		expect(me.status).toBe(200);
	});

	it("refresh_token grant rotates, and a replay is invalid_grant that kills the family", async () => {
		const user = await registerUser();
		const first = (await (
			await token({ grant_type: "password", username: user.email, password: user.password })
		).json()) as {
			refresh_token: string;
		};
		const second = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
		expect(second.status).toBe(200);
		const next = (await second.json()) as { refresh_token: string; access_token: string };
		const replay = await token({ grant_type: "refresh_token", refresh_token: first.refresh_token });
		expect(replay.status).toBe(400);
		expect(((await replay.json()) as OAuthError).error).toBe("invalid_grant");
		const after = await token({ grant_type: "refresh_token", refresh_token: next.refresh_token });
		expect(((await after.json()) as OAuthError).error).toBe("invalid_grant");
	});

	it("wrong password and unknown user are both invalid_grant", async () => {
		const user = await registerUser();
		for (const form of [
			{ grant_type: "password", username: user.email, password: "wrong-password-1" },
			{ grant_type: "password", username: "ghost@example.test", password: "wrong-password-1" },
		]) {
			const res = await token(form);
			expect(res.status).toBe(400);
			expect(res.headers.get("Cache-Control")).toBe("no-store");
			expect(((await res.json()) as OAuthError).error).toBe("invalid_grant");
		}
	});

	it("invalid_request for missing parameters, unsupported_grant_type for others", async () => {
		const cases: [Record<string, string> | string, string][] = [
			[{}, "invalid_request"],
			[{ grant_type: "password", username: "a@b.c" }, "invalid_request"],
			[{ grant_type: "refresh_token" }, "invalid_request"],
			[{ grant_type: "client_credentials" }, "unsupported_grant_type"],
			[{ grant_type: "authorization_code", code: "x" }, "unsupported_grant_type"],
			["grant_type=password&grant_type=refresh_token", "invalid_request"],
		];
		for (const [form, error] of cases) {
			const res = await token(form);
			expect(res.status, JSON.stringify(form)).toBe(400);
			expect(((await res.json()) as OAuthError).error).toBe(error);
		}
	});

	it("a JSON body is not the form the RFC requires", async () => {
		const user = await registerUser();
		const res = await api("/oauth/token", {
			method: "POST",
			headers: freshIp(),
			json: { grant_type: "password", username: user.email, password: user.password },
		});
		expect(res.status).toBe(400);
		expect(((await res.json()) as OAuthError).error).toBe("invalid_request");
	});

	it("rate-limits per account like the JSON login (429 with Retry-After)", async () => {
		const user = await registerUser();
		let last: Response | undefined;
		for (let i = 0; i < 11; i++)
			last = await token({ grant_type: "password", username: user.email, password: `bad-${i}-password` });
		expect(last?.status).toBe(429);
		expect(Number(last?.headers.get("Retry-After"))).toBeGreaterThan(0);
	});

	it("is in the OpenAPI document as a form endpoint", async () => {
		const doc = (await (await api("/openapi.json")).json()) as {
			paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
		};
		expect(
			doc.paths["/oauth/token"]?.post?.requestBody?.content["application/x-www-form-urlencoded"],
		).toBeDefined();
	});
});

import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { hashPassword } from "../../src/domain/auth/password";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import { freshIp, lastMessage, login, messageCount, registerUser, tokenIn, uniqueEmail } from "./helpers";

const confirm = (token: unknown) =>
	api("/v1/auth/email/confirm", { method: "POST", headers: freshIp(), json: { token } });

describe("email confirmation of an existing account", () => {
	it("sends a token to the unconfirmed address; the token confirms it once", async () => {
		const user = await createTestUser(); // inserted directly: email not confirmed
		const res = await api("/v1/me/email/confirmation", { method: "POST", headers: user.auth });
		expect(res.status).toBe(202);
		const token = tokenIn((await lastMessage(user.email)).body);
		const ok = await confirm(token);
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ id: user.id, email_verified: true });
		expect(await errorCode(await confirm(token))).toBe("INVALID_EMAIL_TOKEN");
	});

	it("sends nothing for an address that is already confirmed", async () => {
		const user = await registerUser();
		const before = await messageCount(user.email);
		const res = await api("/v1/me/email/confirmation", { method: "POST", headers: user.auth });
		expect(res.status).toBe(202);
		// A marker: the reset mail asked for next is the first mail to come.
		await api("/v1/auth/password/forgot", {
			method: "POST",
			headers: freshIp(),
			json: { email: user.email },
		});
		await vi.waitFor(async () => expect(await messageCount(user.email)).toBeGreaterThan(before));
		expect(await messageCount(user.email)).toBe(before + 1);
		expect((await lastMessage(user.email)).body).toMatch(/reset/i);
	});

	it("refuses made-up, malformed and other-purpose tokens; 401 without a token", async () => {
		expect(await errorCode(await confirm("A".repeat(43)))).toBe("INVALID_EMAIL_TOKEN");
		expect(await errorCode(await confirm(5))).toBe("VALIDATION_FAILED");
		const user = await registerUser();
		const started = Date.now();
		await api("/v1/auth/password/forgot", {
			method: "POST",
			headers: freshIp(),
			json: { email: user.email },
		});
		const resetToken = tokenIn((await lastMessage(user.email, started - 1)).body);
		expect(await errorCode(await confirm(resetToken))).toBe("INVALID_EMAIL_TOKEN");
		expect((await api("/v1/me/email/confirmation", { method: "POST" })).status).toBe(401);
	});
});

describe("two pending registrations of one address", () => {
	it("the first confirmed wins; the other token gets 409 EMAIL_TAKEN", async () => {
		const email = uniqueEmail("twice");
		const register = (password: string) =>
			api("/v1/auth/register", { method: "POST", headers: freshIp(), json: { email, password } });
		await register("first-choice-password-1");
		const first = tokenIn((await lastMessage(email)).body);
		const started = Date.now();
		await register("second-choice-password-2");
		const second = tokenIn((await lastMessage(email, started - 1)).body);
		expect(second).not.toBe(first);
		const ok = await api("/v1/auth/register/confirm", { method: "POST", json: { token: second } });
		expect(ok.status).toBe(201);
		const late = await api("/v1/auth/register/confirm", { method: "POST", json: { token: first } });
		expect(late.status).toBe(409);
		expect(await errorCode(late)).toBe("EMAIL_TAKEN");
		// The account has the password of the registration that was confirmed.
		expect((await login(email, "second-choice-password-2")).status).toBe(200);
		expect((await login(email, "first-choice-password-1")).status).toBe(401);
	});
});

describe("POST /v1/auth/password/reset/check", () => {
	it("names the token's owner without using the token up", async () => {
		const user = await registerUser({ displayName: "Checker" });
		const started = Date.now();
		await api("/v1/auth/password/forgot", {
			method: "POST",
			headers: freshIp(),
			json: { email: user.email },
		});
		const token = tokenIn((await lastMessage(user.email, started - 1)).body);
		const res = await api("/v1/auth/password/reset/check", { method: "POST", json: { token } });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({
			user: { id: user.user.id, email: user.email, display_name: "Checker" },
		});
		const reset = await api("/v1/auth/password/reset", {
			method: "POST",
			json: { token, new_password: "amber-lantern-violin-77" },
		});
		expect(reset.status).toBe(204);
		const after = await api("/v1/auth/password/reset/check", { method: "POST", json: { token } });
		expect(await errorCode(after)).toBe("INVALID_EMAIL_TOKEN");
	});
});

describe("password hashes are upgraded at login", () => {
	it("re-hashes a hash made at a lower cost with the current one", async () => {
		const user = await registerUser();
		await env.DB.prepare("update users set password_hash = ? where id = ?")
			.bind(await hashPassword(user.password, 1000), user.user.id)
			.run();
		expect((await login(user.email, user.password)).status).toBe(200);
		const row = await env.DB.prepare("select password_hash from users where id = ?")
			.bind(user.user.id)
			.first<{ password_hash: string }>();
		expect(row?.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
		expect((await login(user.email, user.password)).status).toBe(200);
	});
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, errorCode } from "../helpers/http";
import { createTestUser } from "../helpers/users";
import {
	countRows,
	freshIp,
	GOOD_PASSWORD,
	lastMessage,
	login,
	messageCount,
	phoneSignIn,
	registerUser,
	type Tokens,
	tokenIn,
	uniqueEmail,
	uniquePhone,
} from "./helpers";

const NEW_PASSWORD = "amber-lantern-violin-77";
const forgot = (email: unknown) =>
	api("/v1/auth/password/forgot", { method: "POST", headers: freshIp(), json: { email } });
const reset = (json: unknown) => api("/v1/auth/password/reset", { method: "POST", headers: freshIp(), json });

describe("password reset: /v1/auth/password/forgot → token → /reset", () => {
	it("resets the password, revokes every session, and the token works once", async () => {
		const user = await registerUser();
		const other = (await (await login(user.email, user.password)).json()) as Tokens;
		const started = Date.now();
		const res = await forgot(user.email);
		expect(res.status).toBe(202);
		const mail = await lastMessage(user.email, started - 1);
		expect(mail.subject).toMatch(/Reset/);
		const token = tokenIn(mail.body);

		expect((await reset({ token, new_password: NEW_PASSWORD })).status).toBe(204);
		expect((await login(user.email, user.password)).status).toBe(401);
		expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
		for (const t of [user, other]) {
			expect((await api("/v1/me", { headers: { Authorization: `Bearer ${t.access_token}` } })).status).toBe(
				401,
			);
			const r = await api("/v1/auth/refresh", { method: "POST", json: { refresh_token: t.refresh_token } });
			expect(r.status).toBe(401);
		}
		const again = await reset({ token, new_password: "another-fine-password-1" });
		expect(again.status).toBe(400);
		expect(await errorCode(again)).toBe("INVALID_EMAIL_TOKEN");
	});

	it("answers the same for an unknown address and sends nothing there", async () => {
		const user = await registerUser();
		const ghost = uniqueEmail("ghost");
		const a = await forgot(user.email);
		const b = await forgot(ghost);
		expect(a.status).toBe(b.status);
		expect(await a.json()).toEqual(await b.json());
		await lastMessage(user.email); // the known one did get mail (background work finished)
		expect(await messageCount(ghost)).toBe(0);
	});

	it("refuses a weak new password without using up the token", async () => {
		const user = await registerUser();
		const started = Date.now();
		await forgot(user.email);
		const token = tokenIn((await lastMessage(user.email, started - 1)).body);
		const weak = await reset({ token, new_password: "password1" });
		expect(weak.status).toBe(400);
		expect(await errorCode(weak)).toBe("WEAK_PASSWORD");
		expect((await reset({ token, new_password: NEW_PASSWORD })).status).toBe(204);
	});

	it("refuses expired, made-up and malformed tokens", async () => {
		const user = await registerUser();
		const started = Date.now();
		await forgot(user.email);
		const token = tokenIn((await lastMessage(user.email, started - 1)).body);
		await env.DB.prepare("update email_tokens set expires_at = ? where purpose = 'reset_password'")
			.bind(Date.now() - 1)
			.run();
		expect(await errorCode(await reset({ token, new_password: NEW_PASSWORD }))).toBe("INVALID_EMAIL_TOKEN");
		expect(await errorCode(await reset({ token: "A".repeat(43), new_password: NEW_PASSWORD }))).toBe(
			"INVALID_EMAIL_TOKEN",
		);
		for (const bad of [
			{},
			{ token },
			{ token: 1, new_password: NEW_PASSWORD },
			{ token, new_password: "short" },
		]) {
			expect(await errorCode(await reset(bad))).toBe("VALIDATION_FAILED");
		}
		expect((await login(user.email, user.password)).status).toBe(200);
	});

	it("a register token cannot be used as a reset token", async () => {
		const email = uniqueEmail();
		await api("/v1/auth/register", {
			method: "POST",
			headers: freshIp(),
			json: { email, password: GOOD_PASSWORD },
		});
		const token = tokenIn((await lastMessage(email)).body);
		expect(await errorCode(await reset({ token, new_password: NEW_PASSWORD }))).toBe("INVALID_EMAIL_TOKEN");
	});

	it("rate-limits reset requests per address", async () => {
		const email = uniqueEmail();
		let last: Response | undefined;
		for (let i = 0; i < 6; i++) last = await forgot(email);
		expect(last?.status).toBe(429);
	});
});

describe("PATCH /v1/me/password", () => {
	it("needs the current password; revokes every session and signs this device in again", async () => {
		const user = await registerUser();
		const other = (await (await login(user.email, user.password)).json()) as Tokens;
		const wrong = await api("/v1/me/password", {
			method: "PATCH",
			headers: user.auth,
			json: { password: "not-my-password", new_password: NEW_PASSWORD },
		});
		expect(wrong.status).toBe(401);
		expect(await errorCode(wrong)).toBe("INVALID_CREDENTIALS");

		const res = await api("/v1/me/password", {
			method: "PATCH",
			headers: user.auth,
			json: { password: user.password, new_password: NEW_PASSWORD },
		});
		expect(res.status).toBe(200);
		const fresh = (await res.json()) as Tokens;
		expect((await api("/v1/me", { headers: { Authorization: `Bearer ${fresh.access_token}` } })).status).toBe(
			200,
		);
		expect((await api("/v1/me", { headers: user.auth })).status).toBe(401);
		expect((await api("/v1/me", { headers: { Authorization: `Bearer ${other.access_token}` } })).status).toBe(
			401,
		);
		const r = await api("/v1/auth/refresh", { method: "POST", json: { refresh_token: other.refresh_token } });
		expect(r.status).toBe(401);
		expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
	});

	it("refuses a weak new password and unknown fields", async () => {
		const user = await registerUser();
		const weak = await api("/v1/me/password", {
			method: "PATCH",
			headers: user.auth,
			json: { password: user.password, new_password: "iloveyou1" },
		});
		expect(weak.status).toBe(400);
		const extra = await api("/v1/me/password", {
			method: "PATCH",
			headers: user.auth,
			json: { password: user.password, new_password: NEW_PASSWORD, user_id: "someone-else" },
		});
		expect(await errorCode(extra)).toBe("VALIDATION_FAILED");
		expect((await login(user.email, user.password)).status).toBe(200);
	});

	it("is 401 without a token", async () => {
		const res = await api("/v1/me/password", {
			method: "PATCH",
			json: { password: "x", new_password: NEW_PASSWORD },
		});
		expect(res.status).toBe(401);
	});
});

describe("email change: POST /v1/me/email/token → PATCH /v1/me/email", () => {
	it("moves the account to a new address proven by the token, with the password", async () => {
		const user = await registerUser();
		const next = uniqueEmail("new");
		const req = await api("/v1/me/email/token", {
			method: "POST",
			headers: user.auth,
			json: { email: next },
		});
		expect(req.status).toBe(202);
		const token = tokenIn(`Token: ${(await lastMessage(next)).body.split("\n")[1]}`);

		const noPassword = await api("/v1/me/email", {
			method: "PATCH",
			headers: user.auth,
			json: { token, email: next },
		});
		expect(noPassword.status).toBe(401);
		const res = await api("/v1/me/email", {
			method: "PATCH",
			headers: user.auth,
			json: { token, email: next, password: user.password },
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ email: next, email_verified: true });
		expect((await lastMessage(user.email)).subject).toMatch(/changed/);
		expect((await login(next, user.password)).status).toBe(200);
		expect((await login(user.email, user.password)).status).toBe(401);
	});

	it("a token for one user or address does not work for another", async () => {
		const alice = await registerUser();
		const bob = await registerUser();
		const next = uniqueEmail("new");
		await api("/v1/me/email/token", { method: "POST", headers: alice.auth, json: { email: next } });
		const token = (await lastMessage(next)).body.split("\n")[1] ?? "";
		const asBob = await api("/v1/me/email", {
			method: "PATCH",
			headers: bob.auth,
			json: { token, email: next, password: bob.password },
		});
		expect(await errorCode(asBob)).toBe("INVALID_EMAIL_TOKEN");
		const otherAddress = await api("/v1/me/email", {
			method: "PATCH",
			headers: alice.auth,
			json: { token, email: uniqueEmail(), password: alice.password },
		});
		expect(await errorCode(otherAddress)).toBe("INVALID_EMAIL_TOKEN");
	});

	it("does not reveal that an address is taken: its owner is told, the requester gets no token", async () => {
		const alice = await registerUser();
		const bob = await registerUser();
		const res = await api("/v1/me/email/token", {
			method: "POST",
			headers: alice.auth,
			json: { email: bob.email },
		});
		expect(res.status).toBe(202);
		const notice = await lastMessage(bob.email, Date.now() - 5000);
		expect(notice.subject).toMatch(/tried/);
		const tokens = await countRows("email_tokens");
		expect(tokens).toBeGreaterThan(0);
		const row = await env.DB.prepare(
			"select count(*) as n from email_tokens where purpose = 'change_email' and email = ?",
		)
			.bind(bob.email)
			.first<{ n: number }>();
		expect(row?.n).toBe(0);
	});

	it("an address taken after the token was sent answers 409 and leaves the token unused", async () => {
		const alice = await registerUser();
		const next = uniqueEmail("race");
		await api("/v1/me/email/token", { method: "POST", headers: alice.auth, json: { email: next } });
		const token = (await lastMessage(next)).body.split("\n")[1] ?? "";
		await createTestUser({ email: next });
		const res = await api("/v1/me/email", {
			method: "PATCH",
			headers: alice.auth,
			json: { token, email: next, password: alice.password },
		});
		expect(res.status).toBe(409);
		expect(await errorCode(res)).toBe("EMAIL_TAKEN");
		const row = await env.DB.prepare(
			"select used_at from email_tokens where purpose = 'change_email' and email = ? and user_id is not null",
		)
			.bind(next)
			.first<{ used_at: number | null }>();
		expect(row).not.toBeNull();
		expect(row?.used_at).toBeNull();
	});

	it("lets a phone-only account add an email with the token alone", async () => {
		const phone = uniquePhone();
		const signed = (await (await phoneSignIn(phone)).json()) as Tokens;
		const auth = { Authorization: `Bearer ${signed.access_token}` };
		const next = uniqueEmail("phone");
		await api("/v1/me/email/token", { method: "POST", headers: auth, json: { email: next } });
		const token = (await lastMessage(next)).body.split("\n")[1] ?? "";
		const res = await api("/v1/me/email", { method: "PATCH", headers: auth, json: { token, email: next } });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ email: next, phone });
	});

	it("rejects bad input and is 401 without a token", async () => {
		const user = await createTestUser();
		for (const json of [{}, { email: "nope" }, { email: uniqueEmail(), extra: 1 }]) {
			const res = await api("/v1/me/email/token", { method: "POST", headers: user.auth, json });
			expect(await errorCode(res)).toBe("VALIDATION_FAILED");
		}
		expect((await api("/v1/me/email/token", { method: "POST", json: { email: uniqueEmail() } })).status).toBe(
			401,
		);
		expect(
			(await api("/v1/me/email", { method: "PATCH", json: { token: "x".repeat(43), email: uniqueEmail() } }))
				.status,
		).toBe(401);
	});
});

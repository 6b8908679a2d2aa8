import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/app";
import { codeIn, freshIp, GOOD_PASSWORD, lastMessage, tokenIn, uniqueEmail, uniquePhone } from "./helpers";

/** Calls the app with every log level on, collecting what it writes. */
async function call(path: string, json: unknown, headers: Record<string, string> = {}) {
	const ctx = createExecutionContext();
	const res = await app.fetch(
		new Request(`https://hatch.test${path}`, {
			method: "POST",
			headers: { "Content-Type": "application/json", "User-Agent": "LogTest", ...freshIp(), ...headers },
			body: JSON.stringify(json),
		}),
		{ ...env, LOG_LEVEL: "debug" },
		ctx,
	);
	await waitOnExecutionContext(ctx);
	return res;
}

afterEach(() => vi.restoreAllMocks());

describe("logs of the auth flows", () => {
	it("never contain a password, token or code, even with debug logging and a replayed refresh token", async () => {
		const lines: string[] = [];
		for (const level of ["log", "info", "warn", "error", "debug"] as const) {
			vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
				lines.push(args.map(String).join(" "));
			});
		}
		const email = uniqueEmail("logs");
		await call("/v1/auth/register", { email, password: GOOD_PASSWORD });
		const confirmToken = tokenIn((await lastMessage(email)).body);
		const signedIn = (await (await call("/v1/auth/register/confirm", { token: confirmToken })).json()) as {
			access_token: string;
			refresh_token: string;
		};
		await call("/v1/auth/login", { email, password: "a-wrong-password-1" });
		const rotated = (await (
			await call("/v1/auth/refresh", { refresh_token: signedIn.refresh_token })
		).json()) as {
			refresh_token: string;
		};
		const replay = await call("/v1/auth/refresh", { refresh_token: signedIn.refresh_token });
		expect(replay.status).toBe(401);
		const phone = uniquePhone();
		await call("/v1/auth/phone/code", { phone });
		const code = codeIn((await lastMessage(phone)).body);
		await call("/v1/auth/phone/verify", { phone, code });

		const all = lines.join("\n");
		expect(all).toContain("refresh token replayed"); // the logs did capture the flows
		for (const secret of [
			GOOD_PASSWORD,
			"a-wrong-password-1",
			confirmToken,
			signedIn.access_token,
			signedIn.refresh_token,
			rotated.refresh_token,
			code,
		]) {
			expect(all).not.toContain(secret);
		}
	});
});

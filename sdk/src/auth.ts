import type { Api, TokenResponse, Tokens } from "./api.ts";

type Profile = { display_name?: string; first_name?: string; last_name?: string };

/**
 * Sign-in flows (README "Accounts and auth"). Each successful one makes
 * the Api's current session; `logout` ends it on the server and locally.
 *
 * @example await hatch.auth.requestPhoneCode("+14155552671"); await hatch.auth.verifyPhoneCode("+14155552671", "123456");
 */
export class Auth {
	constructor(private readonly api: Api) {}

	async loginWithEmail(email: string, password: string): Promise<TokenResponse> {
		return this.adopt(
			await this.api.json<TokenResponse>("POST", "/v1/auth/login", {
				body: { email, password },
				anonymous: true,
			}),
		);
	}

	/** Always accepted (202), whether or not the address is new: the email holds the token. */
	async register(email: string, password: string, display_name?: string): Promise<void> {
		await this.api.json("POST", "/v1/auth/register", {
			body: { email, password, display_name },
			anonymous: true,
		});
	}

	/** Completes registration with the emailed token (the `/confirm?token=` page) and signs in. */
	async confirmRegistration(token: string): Promise<TokenResponse> {
		return this.adopt(
			await this.api.json<TokenResponse>("POST", "/v1/auth/register/confirm", {
				body: { token },
				anonymous: true,
			}),
		);
	}

	async requestPhoneCode(phone: string): Promise<void> {
		await this.api.json("POST", "/v1/auth/phone/code", { body: { phone }, anonymous: true });
	}

	/** Signs in, or registers an unknown number (with the optional profile). */
	async verifyPhoneCode(phone: string, code: string, profile: Profile = {}): Promise<TokenResponse> {
		return this.adopt(
			await this.api.json<TokenResponse>("POST", "/v1/auth/phone/verify", {
				body: { phone, code, ...profile },
				anonymous: true,
			}),
		);
	}

	async forgotPassword(email: string): Promise<void> {
		await this.api.json("POST", "/v1/auth/password/forgot", { body: { email }, anonymous: true });
	}

	/** Sets a new password with the emailed token (the `/reset-password?token=` page); every session ends. */
	async resetPassword(token: string, new_password: string): Promise<void> {
		await this.api.json("POST", "/v1/auth/password/reset", {
			body: { token, new_password },
			anonymous: true,
		});
	}

	/** Ends this session on the server (its access token stops working at once) and forgets it. */
	async logout(): Promise<void> {
		try {
			if (this.api.session) await this.api.json("POST", "/v1/auth/logout");
		} finally {
			this.api.clear();
		}
	}

	get session(): Tokens | null {
		return this.api.session;
	}

	private adopt(res: TokenResponse): TokenResponse {
		this.api.adopt(res);
		return res;
	}
}

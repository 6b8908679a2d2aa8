import { CLIENT_CODES, HatchError } from "./errors.ts";

/** A signed-in session as the API issues it (`TokenResponse` in /openapi.json). */
export type Tokens = {
	access_token: string;
	refresh_token: string;
	/** Unix ms when the access token expires. */
	expires_at: number;
	session_id: string;
	user_id: string;
};

/** The body of every token answer (login, phone verify, register confirm, refresh). */
export type TokenResponse = {
	token_type: "Bearer";
	access_token: string;
	expires_in: number;
	refresh_token: string;
	refresh_expires_at: string;
	session_id: string;
	user: { id: string; display_name: string; [k: string]: unknown };
};

export type ApiOptions = {
	/** Where Hatch is, e.g. "https://hatch.example.com" (no trailing slash needed). */
	baseUrl: string;
	fetch?: typeof fetch;
	/** Tokens from an earlier run (e.g. localStorage); see `onTokens` to keep them. */
	tokens?: Tokens | null;
	/** Called whenever the tokens change (null after sign-out): persist them here. */
	onTokens?: (tokens: Tokens | null) => void;
	/** Refresh this long before the access token expires (default 60 s). */
	refreshMarginMs?: number;
};

type Body = BodyInit | Record<string, unknown> | unknown[] | undefined;

/**
 * REST with a bearer token that stays fresh: refreshed `refreshMarginMs`
 * before expiry (checked before each request), and once more, then retried,
 * when the server answers 401. Concurrent callers share one refresh, since a
 * refresh token is single use (replaying it revokes the whole session).
 *
 * @example const me = await api.json<{ id: string }>("GET", "/v1/me");
 */
export class Api {
	readonly baseUrl: string;
	private readonly fetchFn: typeof fetch;
	private tokens: Tokens | null;
	private readonly onTokens?: (tokens: Tokens | null) => void;
	private readonly margin: number;
	private refreshing: Promise<Tokens> | null = null;

	constructor(opts: ApiOptions) {
		this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
		this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
		this.tokens = opts.tokens ?? null;
		this.onTokens = opts.onTokens;
		this.margin = opts.refreshMarginMs ?? 60_000;
	}

	get session(): Tokens | null {
		return this.tokens;
	}

	/** Stores a token answer (login, verify, confirm) as the current session. */
	adopt(res: TokenResponse): Tokens {
		this.setTokens({
			access_token: res.access_token,
			refresh_token: res.refresh_token,
			expires_at: Date.now() + res.expires_in * 1000,
			session_id: res.session_id,
			user_id: res.user.id,
		});
		return this.tokens as Tokens;
	}

	/** Forgets the session locally (no request). */
	clear(): void {
		this.setTokens(null);
	}

	/** A valid access token, refreshed first when it is about to expire. */
	async accessToken(): Promise<string> {
		const t = this.tokens;
		if (!t) throw new HatchError(CLIENT_CODES.SIGNED_OUT, "Not signed in", 401);
		if (t.expires_at - Date.now() > this.margin) return t.access_token;
		return (await this.refresh()).access_token;
	}

	/** Rotates the refresh token; one refresh at a time however many callers ask. */
	refresh(): Promise<Tokens> {
		this.refreshing ??= this.doRefresh().finally(() => {
			this.refreshing = null;
		});
		return this.refreshing;
	}

	private async doRefresh(): Promise<Tokens> {
		const t = this.tokens;
		if (!t) throw new HatchError(CLIENT_CODES.SIGNED_OUT, "Not signed in", 401);
		try {
			const res = await this.json<TokenResponse>("POST", "/v1/auth/refresh", {
				body: { refresh_token: t.refresh_token },
				anonymous: true,
			});
			return this.adopt(res);
		} catch (err) {
			// A refused refresh token ends the session; a network failure does not.
			if (err instanceof HatchError && (err.status === 401 || err.status === 400)) this.setTokens(null);
			throw err;
		}
	}

	/** A request answered with JSON (or nothing: 202/204 give undefined). Throws HatchError otherwise. */
	async json<T>(
		method: string,
		path: string,
		opts: { body?: Body; anonymous?: boolean; headers?: Record<string, string> } = {},
	): Promise<T> {
		const res = await this.send(method, path, opts);
		if (res.status === 204) return undefined as T;
		const text = await res.text();
		if (!text) return undefined as T;
		try {
			return JSON.parse(text) as T;
		} catch {
			throw new HatchError(CLIENT_CODES.BAD_RESPONSE, `Expected JSON from ${method} ${path}`, res.status);
		}
	}

	/** A request with auth and the 401 retry; answers the raw Response when it is a success. */
	async send(
		method: string,
		path: string,
		opts: { body?: Body; anonymous?: boolean; headers?: Record<string, string> } = {},
	): Promise<Response> {
		let res = await this.once(method, path, opts);
		if (res.status === 401 && !opts.anonymous && this.tokens) {
			await this.refresh();
			res = await this.once(method, path, opts);
		}
		if (!res.ok) throw await errorFrom(res);
		return res;
	}

	private async once(
		method: string,
		path: string,
		opts: { body?: Body; anonymous?: boolean; headers?: Record<string, string> },
	) {
		const headers: Record<string, string> = { ...opts.headers };
		if (!opts.anonymous) headers.Authorization = `Bearer ${await this.accessToken()}`;
		let body: BodyInit | undefined;
		const b = opts.body;
		if (b === undefined || isBodyInit(b)) body = b as BodyInit | undefined;
		else {
			body = JSON.stringify(b);
			headers["Content-Type"] = "application/json";
		}
		return this.fetchFn(this.url(path), { method, headers, body });
	}

	url(path: string): string {
		return `${this.baseUrl}${path}`;
	}

	private setTokens(t: Tokens | null) {
		this.tokens = t;
		this.onTokens?.(t);
	}
}

function isBodyInit(b: unknown): boolean {
	return (
		typeof b === "string" ||
		b instanceof ArrayBuffer ||
		ArrayBuffer.isView(b) ||
		(typeof Blob !== "undefined" && b instanceof Blob) ||
		(typeof FormData !== "undefined" && b instanceof FormData) ||
		(typeof ReadableStream !== "undefined" && b instanceof ReadableStream)
	);
}

/** The API's one error body `{error: {code, message, requestId}}` as a HatchError. */
export async function errorFrom(res: Response): Promise<HatchError> {
	const retry = Number(res.headers.get("Retry-After"));
	const extra = { retryAfterMs: Number.isFinite(retry) && retry > 0 ? retry * 1000 : undefined };
	try {
		const body = (await res.json()) as { error?: { code?: string; message?: string; requestId?: string } };
		if (body?.error?.code)
			return new HatchError(body.error.code, body.error.message ?? body.error.code, res.status, {
				...extra,
				requestId: body.error.requestId,
			});
	} catch {
		// not the API's JSON
	}
	return new HatchError(CLIENT_CODES.BAD_RESPONSE, `HTTP ${res.status}`, res.status, extra);
}

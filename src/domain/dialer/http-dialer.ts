import { signDialerToken } from "./token";
import type { Dialer, DialRequest, DialResult } from "./types";

/** How requests reach the dialer: global fetch for DIALER_URL, a Container stub's fetch in production. */
export type DialerFetch = (request: Request) => Promise<Response>;

/**
 * The dialer's control API over HTTP, whatever carries it.
 *
 * @example new HttpDialer((r) => fetch(r), "http://127.0.0.1:8788", env.DIALER_SECRET)
 */
export class HttpDialer implements Dialer {
	constructor(
		private readonly send: DialerFetch,
		private readonly baseUrl: string,
		private readonly secret: string,
		private readonly timeoutMs = 10_000,
	) {}

	async createCall(req: DialRequest): Promise<DialResult> {
		let res: Response;
		try {
			res = await this.request("POST", "/calls", req);
		} catch (err) {
			return { ok: false, code: "TRANSIENT", status: 0, message: (err as Error).message };
		}
		const body = (await res.json().catch(() => ({}))) as {
			state?: string;
			error?: { code?: string; message?: string };
		};
		if (res.status === 201 || res.status === 200) return { ok: true, state: body.state ?? "trying" };
		const message = body.error?.message ?? `dialer answered HTTP ${res.status}`;
		if (res.status === 409) return { ok: false, code: "CALL_EXISTS", status: 409, message };
		if (res.status === 503) return { ok: false, code: "AT_CAPACITY", status: 503, message };
		if (res.status >= 500 || res.status === 429)
			return { ok: false, code: "TRANSIENT", status: res.status, message };
		return {
			ok: false,
			code: "REJECTED",
			status: res.status,
			message: body.error?.code ? `${body.error.code}: ${message}` : message,
		};
	}

	async cancelCall(callId: string): Promise<void> {
		const res = await this.request("DELETE", `/calls/${encodeURIComponent(callId)}`);
		await res.body?.cancel();
	}

	async getCall(callId: string): Promise<Record<string, unknown> | null> {
		const res = await this.request("GET", `/calls/${encodeURIComponent(callId)}`);
		if (res.status === 404) return null;
		if (!res.ok) throw new Error(`dialer answered HTTP ${res.status}`);
		return (await res.json()) as Record<string, unknown>;
	}

	async health(): Promise<{ ok: boolean; active_calls: number; capacity: number }> {
		const res = await this.request("GET", "/health");
		return (await res.json()) as { ok: boolean; active_calls: number; capacity: number };
	}

	private async request(method: string, path: string, json?: unknown): Promise<Response> {
		const headers = new Headers({ Authorization: `Bearer ${await signDialerToken(this.secret)}` });
		if (json !== undefined) headers.set("Content-Type", "application/json");
		return this.send(
			new Request(new URL(path, this.baseUrl), {
				method,
				headers,
				body: json === undefined ? undefined : JSON.stringify(json),
				signal: AbortSignal.timeout(this.timeoutMs),
			}),
		);
	}
}

import {
	CallAccepted,
	type CallRequest,
	CallView,
	DialerErrorBody,
	DialerHealth,
} from "@hatch/contract/dialer";
import { signDialerToken } from "./token";
import type { Dialer, DialRequest, DialResult } from "./types";

/** How requests reach the dialer: global fetch for DIALER_URL, a Container stub's fetch in production. */
export type DialerFetch = (request: Request) => Promise<Response>;

/**
 * The dialer's control API over HTTP, whatever carries it. Every call carries
 * `hostDeny` (the Worker's SIP_HOST_DENY) as `host_deny`: the dialer judges each
 * address it resolves by it just before sending, so the list in force is the
 * Worker's at the time of the call. Answers are read with the contract's schemas.
 *
 * @example new HttpDialer((r) => fetch(r), "http://127.0.0.1:8788", env.DIALER_SECRET, env.SIP_HOST_DENY)
 */
export class HttpDialer implements Dialer {
	constructor(
		private readonly send: DialerFetch,
		private readonly baseUrl: string,
		private readonly secret: string,
		private readonly hostDeny: string,
		private readonly timeoutMs = 10_000,
	) {}

	async createCall(req: DialRequest): Promise<DialResult> {
		let res: Response;
		try {
			const body: CallRequest = { ...req, host_deny: this.hostDeny };
			res = await this.request("POST", "/calls", body);
		} catch (err) {
			return { ok: false, code: "TRANSIENT", status: 0, message: (err as Error).message };
		}
		const json = await res.json().catch(() => undefined);
		if (res.status === 201 || res.status === 200) {
			return { ok: true, state: CallAccepted.safeParse(json).data?.state ?? "trying" };
		}
		const error = DialerErrorBody.safeParse(json).data?.error;
		const message = error?.message ?? `dialer answered HTTP ${res.status}`;
		if (error?.code === "CALL_EXISTS" || res.status === 409)
			return { ok: false, code: "CALL_EXISTS", status: 409, message };
		if (res.status === 503) return { ok: false, code: "AT_CAPACITY", status: 503, message };
		if (res.status >= 500 || res.status === 429)
			return { ok: false, code: "TRANSIENT", status: res.status, message };
		return {
			ok: false,
			code: "REJECTED",
			status: res.status,
			message: error ? `${error.code}: ${message}` : message,
		};
	}

	async cancelCall(callId: string): Promise<void> {
		const res = await this.request("DELETE", `/calls/${encodeURIComponent(callId)}`);
		await res.body?.cancel();
	}

	async getCall(callId: string): Promise<CallView | null> {
		const res = await this.request("GET", `/calls/${encodeURIComponent(callId)}`);
		if (res.status === 404) return null;
		if (!res.ok) throw new Error(`dialer answered HTTP ${res.status}`);
		return CallView.parse(await res.json());
	}

	async health(): Promise<DialerHealth> {
		const res = await this.request("GET", "/health");
		return DialerHealth.parse(await res.json());
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

import { exports } from "cloudflare:workers";
import { api } from "../helpers/http";
import { createTestUser, type TestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";

export const customer = (name = "Carol Customer") => createTestUser({ displayName: name });
export const operator = (name = "Olga Operator") => createTestUser({ displayName: name, role: "operator" });

export const supportSocket = (user: TestUser, transport: "json" | "msgpack" = "json") =>
	WsClient.connectPath(user, "/v1/support/ws", { transport });

/** A customer writes to support over REST; returns the message. */
export async function ask(user: TestUser, text: string) {
	const res = await api("/v1/support/messages", { method: "POST", headers: user.auth, json: { text } });
	if (res.status !== 201) throw new Error(`support send: ${res.status} ${await res.text()}`);
	return ((await res.json()) as { message: { conversation_id: string; seq: number; text: string } }).message;
}

/** An operator acts on a conversation over REST. */
export function act(user: TestUser, id: string, action: "take" | "close" | "transfer", json?: unknown) {
	return api(`/v1/support/conversations/${id}/${action}`, { method: "POST", headers: user.auth, json });
}

/**
 * A client of the seed's JSON-RPC socket, written only from the seed
 * document: plain JSON text frames, no subprotocol.
 */
export class SeedClient {
	readonly frames: Record<string, unknown>[] = [];
	closed: { code: number; reason: string } | null = null;
	private waiters: {
		pred: (f: Record<string, unknown>) => boolean;
		resolve: (f: Record<string, unknown>) => void;
	}[] = [];
	private closeWaiters: (() => void)[] = [];

	private constructor(readonly ws: WebSocket) {
		ws.addEventListener("message", (ev) => {
			const f = JSON.parse(ev.data as string) as Record<string, unknown>;
			this.frames.push(f);
			this.waiters = this.waiters.filter((w) => {
				if (!w.pred(f)) return true;
				w.resolve(f);
				return false;
			});
		});
		ws.addEventListener("close", (ev) => {
			this.closed = { code: ev.code, reason: ev.reason };
			for (const w of this.closeWaiters) w();
		});
	}

	static async connect(): Promise<SeedClient> {
		const res = await exports.default.fetch(
			new Request("https://hatch.test/compat/support/ws", { headers: { Upgrade: "websocket" } }),
		);
		if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade: ${res.status} ${await res.text()}`);
		res.webSocket.accept();
		return new SeedClient(res.webSocket);
	}

	send(frame: unknown) {
		this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
	}

	waitFor(
		pred: (f: Record<string, unknown>) => boolean,
		timeoutMs = 10_000,
	): Promise<Record<string, unknown>> {
		const seen = this.frames.find(pred);
		if (seen) return Promise.resolve(seen);
		return new Promise((resolve, reject) => {
			const t = setTimeout(
				() => reject(new Error(`timed out; have ${JSON.stringify(this.frames)}`)),
				timeoutMs,
			);
			this.waiters.push({
				pred,
				resolve: (f) => {
					clearTimeout(t);
					resolve(f);
				},
			});
		});
	}

	/** Sends a request and waits for the next frame that is not already in the log (replies come in order). */
	async call(frame: unknown): Promise<Record<string, unknown>> {
		const n = this.frames.length;
		this.send(frame);
		return this.waitFor((f) => this.frames.indexOf(f) >= n);
	}

	waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
		if (this.closed) return Promise.resolve(this.closed);
		return new Promise((resolve, reject) => {
			const t = setTimeout(() => reject(new Error("socket not closed")), timeoutMs);
			this.closeWaiters.push(() => {
				clearTimeout(t);
				resolve(this.closed as { code: number; reason: string });
			});
		});
	}
}

/** Resolves once `cond()` holds (polled every 10 ms), or fails after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000) {
	const end = Date.now() + timeoutMs;
	while (!cond()) {
		if (Date.now() > end) throw new Error("condition not met");
		await new Promise((r) => setTimeout(r, 10));
	}
}

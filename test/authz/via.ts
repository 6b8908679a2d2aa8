import { exports } from "cloudflare:workers";
import { api } from "../helpers/http";
import type { TestUser } from "../helpers/users";
import { WsClient } from "../helpers/ws-client";
import { PhxClient } from "../phoenix/phx-client";
import type { Outcome } from "./table";

/**
 * How the matrices reach the Worker: REST, the native sockets (hub, support
 * desk) and upgrade attempts. Each answers an Outcome: the HTTP status and the
 * error body's code; a socket's `result` is 200, its `error` frame its
 * numeric `code` and its `reason`.
 */

export async function rest(
	path: string,
	actor: TestUser | null,
	init: RequestInit & { json?: unknown } = {},
): Promise<Outcome> {
	const res = await api(path, { ...init, headers: { ...(actor?.auth ?? {}), ...(init.headers ?? {}) } });
	const text = await res.text();
	let body: unknown = text;
	try {
		body = text ? JSON.parse(text) : null;
	} catch {}
	if (res.status < 400) return { status: res.status, body };
	return { status: res.status, code: (body as { error?: { code?: string } } | null)?.error?.code, body };
}

/** One request over a fresh native socket at `path` (the hub by default). */
export async function socketCall(
	actor: TestUser,
	frame: Record<string, unknown>,
	path = "/v1/ws",
): Promise<Outcome> {
	const ws = path === "/v1/ws" ? await WsClient.connect(actor) : await WsClient.connectPath(actor, path);
	try {
		const reply = await ws.call(frame as { type: string });
		return reply.type === "result"
			? { status: 200, body: reply.result }
			: { status: Number(reply.code), code: String(reply.reason), body: reply };
	} finally {
		ws.close();
	}
}

/** A raw upgrade: 101 becomes 200 (and the socket is closed at once), anything else its error. */
export async function upgrade(path: string, headers: Record<string, string> = {}): Promise<Outcome> {
	const res = await exports.default.fetch(
		new Request(`https://hatch.test${path}`, { headers: { Upgrade: "websocket", ...headers } }),
	);
	if (res.status === 101) {
		res.webSocket?.accept();
		res.webSocket?.close(1000, "bye");
		return { status: 200 };
	}
	const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
	return { status: res.status, code: body?.error?.code, body };
}

/**
 * The Phoenix seed's socket: joins `topic` (and pushes `event` there when
 * given). An `ok` reply is 200; an `error` reply is 400 with its `reason`.
 */
export async function phx(
	token: string,
	topic: string,
	event?: string,
	payload: Record<string, unknown> = {},
): Promise<Outcome> {
	const s = await PhxClient.connect(token);
	try {
		let r = await s.join(topic);
		if (r.status === "ok" && event) r = await s.push(topic, event, payload);
		return r.status === "ok"
			? { status: 200, body: r.response }
			: { status: 400, code: String(r.response.reason), body: r.response };
	} finally {
		s.ws.close();
	}
}

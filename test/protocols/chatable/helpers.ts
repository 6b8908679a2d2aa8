import { exports } from "cloudflare:workers";
import { SignJWT } from "jose";
import { api } from "../../helpers/http";

export type Token = { access_key_id: string; secret_access_key: string; refresh_token: string };
export type Envelope = {
	status: string;
	data: Record<string, unknown>[];
	error: { code: number; errors: Record<string, string> | null; message: string };
	page: number;
	per_page: number;
	current_page: number;
};

const ip = () => ({ "CF-Connecting-IP": `198.51.100.${Math.floor(Math.random() * 250)}` });

/** Registers with the seed's fields (Bob Bobson's, made unique) and returns the token object. */
export async function registerChatable(username: string, phone: string) {
	const res = await api("/compat/chatable/api/register", {
		method: "POST",
		headers: ip(),
		json: {
			first_name: "Bob",
			last_name: "Bobson",
			username,
			password: "correct horse battery",
			email: `${username}@example.com`,
			phone,
		},
	});
	if (res.status !== 200) throw new Error(`register ${res.status} ${await res.text()}`);
	const body = (await res.json()) as Envelope;
	return body.data[0] as { token: Token; username: string };
}

/** The seed's "jwt" auth: HS256 signed with secret_access_key, kid = access_key_id. */
export async function jwtOf(t: Token): Promise<string> {
	return new SignJWT({})
		.setProtectedHeader({ alg: "HS256", kid: t.access_key_id })
		.setIssuedAt()
		.setExpirationTime("5m")
		.sign(new TextEncoder().encode(t.secret_access_key));
}

export async function authed(path: string, t: Token, init: RequestInit = {}) {
	return api(`/compat/chatable${path}`, {
		...init,
		headers: { Authorization: `Bearer ${await jwtOf(t)}`, ...ip() },
	});
}

/** A `/api/ws` client: JSON packets in, JSON packets out. */
export async function chatableSocket(t: Token) {
	const res = await exports.default.fetch(
		new Request("https://hatch.test/compat/chatable/api/ws", {
			headers: { Upgrade: "websocket", Authorization: `Bearer ${await jwtOf(t)}` },
		}),
	);
	if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade ${res.status} ${await res.text()}`);
	const ws = res.webSocket;
	ws.accept();
	const got: Record<string, unknown>[] = [];
	const waiters: {
		pred: (p: Record<string, unknown>) => boolean;
		resolve: (p: Record<string, unknown>) => void;
	}[] = [];
	ws.addEventListener("message", (ev) => {
		const p = JSON.parse(String(ev.data)) as Record<string, unknown>;
		got.push(p);
		for (const w of waiters.splice(0)) {
			if (w.pred(p)) w.resolve(p);
			else waiters.push(w);
		}
	});
	return {
		ws,
		got,
		send: (p: unknown) => ws.send(typeof p === "string" ? p : JSON.stringify(p)),
		waitFor(pred: (p: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
			const seen = got.find(pred);
			if (seen) return Promise.resolve(seen);
			return new Promise<Record<string, unknown>>((resolve, reject) => {
				const timer = setTimeout(
					() => reject(new Error(`no packet (have ${JSON.stringify(got)})`)),
					timeoutMs,
				);
				waiters.push({
					pred,
					resolve: (p) => {
						clearTimeout(timer);
						resolve(p);
					},
				});
			});
		},
	};
}

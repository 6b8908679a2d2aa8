// The servers bench/fanout drives, each as a FanoutTarget the same client
// code measures: Hatch (tickets, chat-viewing sockets, REST sends), and the
// plain ones (the `ws` baseline, the bare-DO floor, the store-and-broadcast
// Durable Object) that take POST /send {text} and GET /ws.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import type WebSocket from "ws";
import { cpuSeconds } from "../lib/proc.ts";
import type { FanoutTarget } from "./lib.ts";

/** The checkout's development secrets (.dev.vars) and the JWT audience from wrangler.toml. */
export function devSecrets(repo: string) {
	const vars = Object.fromEntries(
		readFileSync(join(repo, ".dev.vars"), "utf8")
			.split("\n")
			.filter((l) => /^[A-Z_]+=/.test(l))
			.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
	) as Record<string, string>;
	const audience =
		/JWT_AUDIENCE\s*=\s*"([^"]+)"/.exec(readFileSync(join(repo, "wrangler.toml"), "utf8"))?.[1] ?? "hatch";
	return { vars, audience };
}

/** An access token exactly as the Worker signs them (HS256, at+jwt, kid = sha256(secret)[0..16]). */
export async function token(secrets: ReturnType<typeof devSecrets>, userId: string) {
	const secret = secrets.vars.JWT_SECRET as string;
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret)));
	const kidHex = [...digest]
		.map((b) => b.toString(16).padStart(2, "0"))
		.join("")
		.slice(0, 16);
	const now = Math.floor(Date.now() / 1000);
	return new SignJWT({ role: "user", sid: sessionOf(userId) })
		.setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: kidHex })
		.setIssuer(secrets.vars.JWT_ISSUER as string)
		.setAudience(secrets.audience)
		.setSubject(userId)
		.setJti(crypto.randomUUID())
		.setIssuedAt(now)
		.setExpirationTime(now + 3600)
		.sign(new TextEncoder().encode(secret));
}

/** The signed-in session the bench gives each user (requireAuth checks it is live). */
export const sessionOf = (userId: string) => `s-${userId}`;

/** A stable UUID-shaped id: user `n` of kind `kind` (1 fan-out, 3 group, 9 the chat). */
export const uuid = (n: number, kind: number) =>
	`0000${kind}000-0000-7000-8000-${String(n).padStart(12, "0")}`;

/** Users, and one group chat with the fan-out users as active members, as SQL for `wrangler d1 execute`. */
export function seedSql(chatId: string, fanUsers: string[], otherUsers: string[]) {
	const now = Date.now();
	const lines: string[] = [];
	const all = [...fanUsers, ...otherUsers];
	for (let i = 0; i < all.length; i += 400) {
		const rows = all
			.slice(i, i + 400)
			.map((id) => `('${id}', '${id}@bench.test', 'Bench ${id.slice(-6)}', 'bench', ${now}, ${now})`);
		lines.push(
			`INSERT INTO users (id, email, display_name, search_name, created_at, updated_at) VALUES ${rows.join(",")};`,
		);
		const sessions = all
			.slice(i, i + 400)
			.map((id) => `('${sessionOf(id)}', '${id}', ${now}, ${now}, ${now + 86_400_000})`);
		lines.push(
			`INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at) VALUES ${sessions.join(",")};`,
		);
	}
	lines.push(
		`INSERT INTO chats (id, kind, name, owner_id, created_at, updated_at) VALUES ('${chatId}', 'group', 'Fan-out', '${fanUsers[0]}', ${now}, ${now});`,
	);
	for (let i = 0; i < fanUsers.length; i += 400) {
		const rows = fanUsers
			.slice(i, i + 400)
			.map((id, j) => `('${chatId}', '${id}', '${i + j === 0 ? "owner" : "member"}', 'active', ${now})`);
		lines.push(
			`INSERT INTO chat_members (chat_id, user_id, role, status, joined_at) VALUES ${rows.join(",")};`,
		);
	}
	return lines.join("\n");
}

/**
 * Hatch as a new user meets it: receiver `i` is user `receivers[i % length]`,
 * who mints a ticket (POST /v1/ws/ticket) and opens the chat's viewing socket
 * (GET /v1/chats/{id}/ws, `batch=1` when `batch`); the sender posts over REST.
 */
export function hatchTarget(opts: {
	base: string;
	chatId: string;
	receivers: string[];
	sender: string;
	tokens: Map<string, string>;
	batch: boolean;
	cpu: () => number;
	run: string;
}): FanoutTarget {
	const { base, chatId, receivers, tokens } = opts;
	return {
		cpu: opts.cpu,
		async url(i) {
			const userId = receivers[i % receivers.length] as string;
			const res = await fetch(`${base}/v1/ws/ticket`, {
				method: "POST",
				headers: { Authorization: `Bearer ${tokens.get(userId)}` },
			});
			if (!res.ok) throw new Error(`ticket ${res.status} ${await res.text()}`);
			const { ticket } = (await res.json()) as { ticket: string };
			const batch = opts.batch ? "&batch=1" : "";
			return `${base.replace("http", "ws")}/v1/chats/${chatId}/ws?ticket=${encodeURIComponent(ticket)}${batch}`;
		},
		async send(i, text) {
			const res = await fetch(`${base}/v1/chats/${chatId}/messages`, {
				method: "POST",
				headers: { Authorization: `Bearer ${opts.sender}`, "Content-Type": "application/json" },
				body: JSON.stringify({ client_id: `bench-${opts.run}-${i}`, text }),
			});
			if (res.status !== 201) throw new Error(`send ${res.status} ${await res.text()}`);
			await res.arrayBuffer();
		},
	};
}

/** A server that takes POST {base}/send {text} and sockets at {base}{wsPath}: the baseline, the floor, the store DO. */
export function plainTarget(base: string, wsPath: string, pids: () => number[]): FanoutTarget {
	return {
		cpu: () => cpuSeconds(pids()),
		url: async () => `${base.replace("http", "ws")}${wsPath}`,
		async send(_i, text) {
			const res = await fetch(`${base}/send`, { method: "POST", body: JSON.stringify({ text }) });
			if (res.status !== 201) throw new Error(`send ${res.status} ${await res.text()}`);
			await res.arrayBuffer();
		},
	};
}

export type { WebSocket };

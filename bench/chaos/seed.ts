// Seeding for bench/chaos: a seeded RNG, the users, sessions, chats and
// memberships written as SQL for `wrangler d1 execute`, and access tokens
// signed as the Worker signs them (for sessions that exist in D1).
import { createHash } from "node:crypto";
import { SignJWT } from "jose";

/** mulberry32: a small seeded RNG, so a run can be replayed with the same --seed. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export const uuid = (n: number, kind: number) =>
	`0000${kind}000-0000-7000-8000-${String(n).padStart(12, "0")}`;

export type World = {
	users: string[];
	chats: string[];
	/** chat id → member user ids */
	members: Map<string, string[]>;
	/** session id per client index */
	sessions: string[];
};

/** Users in `chatsPerUser` group chats each, `perChat` members per chat. */
export function makeWorld(
	nUsers: number,
	nChats: number,
	perChat: number,
	nClients: number,
	rand: () => number,
) {
	const users = Array.from({ length: nUsers }, (_, i) => uuid(i + 1, 1));
	const chats = Array.from({ length: nChats }, (_, i) => uuid(i + 1, 2));
	const members = new Map<string, string[]>();
	chats.forEach((c, i) => {
		const set = new Set<string>();
		// Spread users evenly, then fill at random.
		for (let k = 0; set.size < perChat && k < perChat; k++)
			set.add(users[(i * perChat + k) % nUsers] as string);
		while (set.size < perChat) set.add(users[Math.floor(rand() * nUsers)] as string);
		members.set(c, [...set]);
	});
	const sessions = Array.from({ length: nClients }, (_, i) => uuid(i + 1, 3));
	return { users, chats, members, sessions } satisfies World;
}

/** The world as SQL rows; `owners` maps each client's session to its user. */
export function seedSql(world: World, sessionUser: string[]): string {
	const now = Date.now();
	const lines: string[] = [];
	const chunk = <T>(xs: T[], n: number) =>
		Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
	for (const part of chunk(world.users, 200)) {
		const rows = part.map(
			(id) => `('${id}', '${id}@chaos.test', 'Chaos ${id.slice(-4)}', 'chaos', ${now}, ${now})`,
		);
		lines.push(
			`INSERT INTO users (id, email, display_name, search_name, created_at, updated_at) VALUES ${rows.join(",")};`,
		);
	}
	const sessRows = world.sessions.map(
		(s, i) => `('${s}', '${sessionUser[i]}', 'bench/chaos', ${now}, ${now}, ${now + 14 * 86_400_000})`,
	);
	for (const part of chunk(sessRows, 200))
		lines.push(
			`INSERT INTO sessions (id, user_id, user_agent, created_at, last_used_at, expires_at) VALUES ${part.join(",")};`,
		);
	for (const c of world.chats) {
		const m = world.members.get(c) as string[];
		lines.push(
			`INSERT INTO chats (id, kind, name, owner_id, created_at, updated_at) VALUES ('${c}', 'group', 'Chaos ${c.slice(-4)}', '${m[0]}', ${now}, ${now});`,
		);
		const rows = m.map((u, j) => `('${c}', '${u}', '${j === 0 ? "owner" : "member"}', 'active', ${now})`);
		lines.push(
			`INSERT INTO chat_members (chat_id, user_id, role, status, joined_at) VALUES ${rows.join(",")};`,
		);
	}
	return lines.join("\n");
}

/** Access tokens as the Worker signs them (HS256, at+jwt, kid = sha256(secret)[0..16]) for a stored session. */
export function tokenSigner(secret: string, issuer: string, audience: string) {
	const kid = createHash("sha256").update(secret).digest("hex").slice(0, 16);
	const key = new TextEncoder().encode(secret);
	const cache = new Map<string, { token: string; at: number }>();
	return async (userId: string, sessionId: string) => {
		const hit = cache.get(sessionId);
		if (hit && Date.now() - hit.at < 15 * 60_000) return hit.token;
		const now = Math.floor(Date.now() / 1000);
		const token = await new SignJWT({ role: "user", sid: sessionId })
			.setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid })
			.setIssuer(issuer)
			.setAudience(audience)
			.setSubject(userId)
			.setJti(crypto.randomUUID())
			.setIssuedAt(now)
			.setExpirationTime(now + 1800)
			.sign(key);
		cache.set(sessionId, { token, at: Date.now() });
		return token;
	};
}

// Group building through Hatch's API (bench/fanout --phases group): the owner
// creates a group, then invites and each invitee accepts, one member after
// another, as a 1,000-member community would be built. What it costs to add
// and accept a member is measured at two sizes in the same run: right after
// the group reached `small` members and once it holds `members`; the figure
// at the small size is the baseline of the ratio.
import { pool, round } from "./lib.ts";

export type GroupResult = {
	members: number;
	small: number;
	probes: number;
	concurrency: number;
	build_seconds: number;
	invite_ms_small: number;
	accept_ms_small: number;
	invite_ms_large: number;
	accept_ms_large: number;
	add_and_accept_ratio_large_over_small: number;
	/** Server CPU (all its processes) per member added, over the whole build (ms). */
	server_cpu_ms_per_member: number | null;
};

type Api = (token: string, method: string, path: string, body?: unknown) => Promise<unknown>;

function api(base: string): Api {
	return async (token, method, path, body) => {
		const res = await fetch(`${base}${path}`, {
			method,
			headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
		return res.json();
	};
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/**
 * Builds a group of `users.length` members (users[0] the owner). Members up
 * to `small` and the `probes` after it are added one at a time and timed,
 * the bulk with `concurrency` in flight, the last `probes` one at a time and
 * timed again.
 */
export async function buildGroup(
	base: string,
	users: string[],
	tokens: Map<string, string>,
	opts: { small: number; probes: number; concurrency: number; cpu?: () => number },
): Promise<GroupResult> {
	const call = api(base);
	const cpu0 = opts.cpu?.() ?? 0;
	const owner = tokens.get(users[0] as string) as string;
	const t0 = Date.now();
	const chat = (await call(owner, "POST", "/v1/chats", { name: "Bench group", members: [] })) as {
		id: string;
	};
	const add = async (userId: string) => {
		const a = Date.now();
		await call(owner, "POST", `/v1/chats/${chat.id}/invitations`, { user: userId });
		const b = Date.now();
		await call(tokens.get(userId) as string, "POST", `/v1/chats/${chat.id}/accept`);
		return { invite: b - a, accept: Date.now() - b };
	};
	const timed = async (from: number, to: number) => {
		const out: { invite: number; accept: number }[] = [];
		for (let i = from; i < to; i++) out.push(await add(users[i] as string));
		return out;
	};
	const n = users.length;
	const { small, probes } = opts;
	await timed(1, small);
	const atSmall = await timed(small, small + probes);
	await pool(users.slice(small + probes, n - probes), opts.concurrency, (u) => add(u));
	const atLarge = await timed(n - probes, n);
	const build = (Date.now() - t0) / 1000;
	const cpu = opts.cpu ? opts.cpu() - cpu0 : null;
	const sum = (xs: { invite: number; accept: number }[]) => median(xs.map((x) => x.invite + x.accept));
	return {
		members: n,
		small: small + probes,
		probes,
		concurrency: opts.concurrency,
		build_seconds: round(build),
		invite_ms_small: median(atSmall.map((x) => x.invite)),
		accept_ms_small: median(atSmall.map((x) => x.accept)),
		invite_ms_large: median(atLarge.map((x) => x.invite)),
		accept_ms_large: median(atLarge.map((x) => x.accept)),
		add_and_accept_ratio_large_over_small: round(sum(atLarge) / sum(atSmall)),
		server_cpu_ms_per_member: cpu === null ? null : round((cpu * 1000) / (n - 1), 1),
	};
}

// bench/fanout's report: every figure next to the same-run baselines, as
// ratios, and the targets of issue 14 met or missed.
import type { FanoutResult } from "./lib.ts";
import type { Result } from "./result.ts";

const r2 = (x: number) => Math.round(x * 100) / 100;
const ratio = (a: number | undefined, b: number | undefined) =>
	a === undefined || b === undefined || !b ? "–" : String(r2(a / b));
const yes = (ok: boolean | null) => (ok === null ? "not measured" : ok ? "**met**" : "**missed**");

const NAMES: Record<string, string> = {
	ws: "`ws` broadcast (one Node process)",
	floor: "floor: bare DO, send only (send-cost/worker.ts)",
	store: "store-and-broadcast DO (store-broadcast/worker.ts)",
	hatch: "Hatch, chat-viewing sockets, one frame per event",
	hatch_batch: "Hatch, the same sockets with `batch=1` (the SDK's default)",
	hatch_join: "Hatch, chat-viewing sockets, each user's first join",
	hatch_again: "Hatch, the same users again",
};

function fanTable(rows: Record<string, FanoutResult>) {
	const s = rows.store;
	const w = rows.ws;
	return [
		"| server | delivered | msgs/s | p50 ms | p99 ms | max ms | out of order | CPU µs/delivery | p99 / store | CPU / store | msgs/s / store | msgs/s / ws |",
		"|---|---|---|---|---|---|---|---|---|---|---|---|",
		...Object.entries(rows).map(
			([k, f]) =>
				`| ${NAMES[k] ?? k} | ${f.delivered}/${f.expected} | ${f.msgs_per_s} | ${f.p50_ms} | ${f.p99_ms} | ${f.max_ms} | ${f.out_of_order} | ${f.server_cpu_us_per_delivery} | ${ratio(f.p99_ms, s?.p99_ms)} | ${ratio(f.server_cpu_us_per_delivery, s?.server_cpu_us_per_delivery)} | ${ratio(f.msgs_per_s, s?.msgs_per_s)} | ${ratio(f.msgs_per_s, w?.msgs_per_s)} |`,
		),
	];
}

/** The report as Markdown. */
export function markdown(r: Result): string {
	const { steady, max, joins, idle, group, profile } = r;
	const h = steady.hatch;
	const st = steady.store;
	const targets = [
		["steady p99 < 40 ms (one frame per event)", h ? h.p99_ms < 40 : null],
		["steady p99 ≤ store-and-broadcast DO's", h && st ? h.p99_ms <= st.p99_ms : null],
		[
			"steady CPU per delivery ≤ store-and-broadcast DO's",
			h && st ? h.server_cpu_us_per_delivery <= st.server_cpu_us_per_delivery : null,
		],
		[
			"max rate, one frame per event ≥ store-and-broadcast DO",
			max.hatch && max.store ? max.hatch.msgs_per_s >= max.store.msgs_per_s : null,
		],
		[
			`${r.setup.clients} sockets join in < 2 s`,
			joins.hatch_again ? joins.hatch_again.seconds < 2 : joins.hatch ? joins.hatch.seconds < 2 : null,
		],
		[
			"idle bytes per socket ≤ half the store-and-broadcast DO's",
			idle.hatch && idle.store ? idle.hatch.bytes_per_socket * 2 <= idle.store.bytes_per_socket : null,
		],
		[
			"add + accept at N members ≤ 1.5 × at 10",
			group ? group.add_and_accept_ratio_large_over_small <= 1.5 : null,
		],
		[`${group?.members ?? "N"}-member group built in < 30 s`, group ? group.build_seconds < 30 : null],
	] as const;
	return [
		"# Fan-out bench",
		"",
		`${r.date}, commit ${r.ref}, ${r.machine.cpus} CPUs. Produced by \`npm run bench:fanout${r.argv ? ` -- ${r.argv}` : ""}\`.`,
		"",
		...(r.variants?.length
			? [
					`Other Hatch trees in the same run (rows \`hatch@name\`): ${r.variants.map((v) => `${v.name} = ${v.ref}`).join(", ")}.`,
					"",
				]
			: []),
		"Load (`uptime`) at the start and after each phase:",
		"",
		...r.machine.uptime.map((u) => `- ${u}`),
		"",
		"## Targets (issue 14)",
		"",
		"| target | result |",
		"|---|---|",
		...targets.map(([t, ok]) => `| ${t} | ${yes(ok)} |`),
		"",
		...(Object.keys(steady).length
			? [
					`## Steady ${r.setup.rate} msgs/s, ${r.setup.clients} sockets, ${r.setup.rate_messages} messages (open loop, latency from each message's due time)`,
					"",
					...fanTable(steady),
					"",
				]
			: []),
		...(Object.keys(max).length
			? [
					`## Max rate: ${r.setup.messages} messages to ${r.setup.clients} sockets, ${r.setup.concurrency} sends in flight`,
					"",
					...fanTable(max),
					"",
				]
			: []),
		...(Object.keys(joins).length
			? [
					`## Joins: ${r.setup.clients} sockets open (50 handshakes in flight; Hatch's each mint a ticket first)`,
					"",
					"| server | seconds | sockets/s | ticket ms (mean) | handshake ms (mean) | server CPU µs per join | seconds / ws | seconds / store | CPU / store |",
					"|---|---|---|---|---|---|---|---|---|",
					...Object.entries(joins).map(
						([k, j]) =>
							`| ${NAMES[k === "hatch" ? "hatch_join" : k] ?? k} | ${j.seconds} | ${j.sockets_per_s} | ${j.url_ms_mean} | ${j.open_ms_mean} | ${j.server_cpu_us_per_join} | ${ratio(j.seconds, joins.ws?.seconds)} | ${ratio(j.seconds, joins.store?.seconds)} | ${ratio(j.server_cpu_us_per_join, joins.store?.server_cpu_us_per_join)} |`,
					),
					"",
				]
			: []),
		...(Object.keys(idle).length
			? [
					`## Idle: ${r.setup.idle} sockets (Hatch: chat-viewing sockets of ${r.setup.idle_users} users), resident memory of every process of the server`,
					"",
					"| server | RSS before → after MiB | bytes per socket | still open | bytes / store | bytes / ws |",
					"|---|---|---|---|---|---|",
					...Object.entries(idle).map(
						([k, i]) =>
							`| ${NAMES[k] ?? k} | ${i.rss_before_mib} → ${i.rss_after_mib} | ${i.bytes_per_socket} | ${i.still_open}/${i.sockets} | ${ratio(i.bytes_per_socket, idle.store?.bytes_per_socket)} | ${ratio(i.bytes_per_socket, idle.ws?.bytes_per_socket)} |`,
					),
					"",
				]
			: []),
		...(group
			? [
					`## Group building through the API: ${group.members} members (invite, then the invitee accepts)`,
					"",
					`| at | invite ms (median) | accept ms (median) |`,
					"|---|---|---|",
					`| members ${group.small - group.probes + 1}-${group.small}, one at a time | ${group.invite_ms_small} | ${group.accept_ms_small} |`,
					`| members ${group.members - group.probes + 1}-${group.members}, one at a time | ${group.invite_ms_large} | ${group.accept_ms_large} |`,
					"",
					`Invite + accept at ${group.members} over at ${group.small}: **${group.add_and_accept_ratio_large_over_small}**. Whole group built in **${group.build_seconds} s** (the middle ${group.concurrency} at a time)${group.server_cpu_ms_per_member == null ? "" : `, ${group.server_cpu_ms_per_member} ms of server CPU per member added`}.`,
					"",
				]
			: []),
		...(profile?.hotspots
			? [
					`## Where Hatch's workerd CPU went: one more steady run, sampled (p50 ${profile.run.p50_ms} / p99 ${profile.run.p99_ms} ms, ${profile.run.server_cpu_us_per_delivery} µs per delivery while sampled)`,
					"",
					`Busy ${profile.total_ms} ms, idle ${profile.idle_ms} ms. Top functions by self time:`,
					"",
					"| function | self ms | share |",
					"|---|---|---|",
					...profile.hotspots.map(
						(h) => `| \`${h.fn}\` | ${h.self_ms} | ${Math.round(h.share * 1000) / 10} % |`,
					),
					"",
				]
			: []),
		"The machine is shared: compare the ratios within this run, not the absolute figures across runs.",
		"",
	].join("\n");
}

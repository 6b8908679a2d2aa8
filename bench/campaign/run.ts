// Campaign bench, through the real Worker (`wrangler dev`, workerd with local
// D1, R2 and Durable Objects) and a simulated dialer in this process:
//   A. a 10,000-number campaign at 100 calls/s: when each POST /calls reaches
//      the dialer (performance.now()), against the configured rate as the
//      baseline: achieved rate, inter-dial interval p50/p99/max, most calls in
//      any one-second window, and that every number was called exactly once.
//   B. importing a 100,000-row CSV through POST /v1/contact-lists (parse,
//      E.164, dedupe, do-not-call, D1 insert), against plain csv-parse of the
//      same bytes in Node in this run.
//
//   node bench/campaign/run.ts [--numbers 10000] [--cps 100] [--rows 100000]
//
// Bounded: every wait has a timeout; all servers listen on 127.0.0.1; the
// Worker runs from a bundle built once at start (test/e2e/stack.ts).
import { writeFileSync } from "node:fs";
import http from "node:http";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "csv-parse/sync";
import { SignJWT } from "jose";
import { CallbackDelivery } from "../../dialer/src/call/delivery.ts";
import { startProfile } from "../lib/cpu-profile.ts";
import { call, freePort, ROOT, startWorker, toneWav, waitFor } from "../../test/e2e/stack.ts";

const { values } = parseArgs({
	options: {
		numbers: { type: "string", default: "10000" },
		cps: { type: "string", default: "100" },
		rows: { type: "string", default: "100000" },
		talk: { type: "string", default: "300" },
		/** Sample workerd's JavaScript during phase A and print where its CPU goes (costs CPU itself). */
		profile: { type: "boolean", default: false },
		port: { type: "string", default: "9600" },
	},
});
const NUMBERS = Number(values.numbers);
const CPS = Number(values.cps);
const ROWS = Number(values.rows);
const TALK_MS = Number(values.talk);

const q = (xs: number[], p: number) => {
	const s = [...xs].sort((a, b) => a - b);
	return s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))] ?? Number.NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

/** The dialer's control API, simulated: accepts every call, answers after TALK_MS and reports it. */
async function startSimDialer(getSecret: () => string) {
	const dials: { id: string; at: number }[] = [];
	const seen = new Set<string>();
	let duplicates = 0;
	let callbacksFailed = 0;
	let token = "";
	let tokenAt = 0;
	const dialerToken = async () => {
		if (Date.now() - tokenAt > 60_000) {
			token = await new SignJWT({})
				.setProtectedHeader({ alg: "HS256" })
				.setIssuer("hatch-dialer")
				.setAudience("hatch-worker")
				.setIssuedAt()
				.setExpirationTime("5m")
				.sign(new TextEncoder().encode(getSecret()));
			tokenAt = Date.now();
		}
		return token;
	};
	// Events go out as the real dialer sends them: batched per callback URL, retried until a 2xx.
	const delivery = new CallbackDelivery(
		async (url, events) => {
			const res = await fetch(url, {
				method: "POST",
				headers: { "Content-Type": "application/json", Authorization: `Bearer ${await dialerToken()}` },
				body: JSON.stringify(events),
			});
			await res.arrayBuffer();
			return res.status;
		},
		{ info: () => {}, warn: () => {}, error: () => callbacksFailed++ },
		{ firstDelayMs: 200, maxDelayMs: 3200, giveUpAfterMs: 10_000 },
	);
	const post = (url: string, event: Record<string, unknown>) =>
		delivery.enqueue(url, event as unknown as Parameters<typeof delivery.enqueue>[1]);
	const server = http.createServer(async (req, res) => {
		const at = performance.now();
		let raw = "";
		for await (const c of req) raw += c;
		if (req.method === "GET" && req.url === "/health")
			return res.writeHead(200).end(JSON.stringify({ ok: true, active_calls: 0, capacity: 100000 }));
		if (req.method !== "POST" || req.url !== "/calls") return res.writeHead(404).end();
		const body = JSON.parse(raw) as { call_id: string; callback_url: string };
		if (seen.has(body.call_id)) {
			duplicates++;
			return res
				.writeHead(409, { "Content-Type": "application/json" })
				.end(JSON.stringify({ error: { code: "CALL_EXISTS", message: "exists" } }));
		}
		seen.add(body.call_id);
		dials.push({ id: body.call_id, at });
		res
			.writeHead(201, { "Content-Type": "application/json" })
			.end(JSON.stringify({ call_id: body.call_id, state: "trying" }));
		setTimeout(() => {
			const t = new Date().toISOString();
			post(body.callback_url, {
				call_id: body.call_id,
				seq: 1,
				type: "answered",
				at: t,
				sip_code: 200,
			});
			post(body.callback_url, {
				call_id: body.call_id,
				seq: 2,
				type: "completed",
				at: new Date().toISOString(),
				talk_ms: TALK_MS,
				billed_s: 1,
				sip_code: 200,
			});
		}, TALK_MS);
	});
	server.keepAliveTimeout = 30_000;
	const port = await freePort();
	await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
	return {
		url: `http://127.0.0.1:${port}`,
		dials,
		stats: () => ({ duplicates, callbacksFailed }),
		close: () => server.close(),
	};
}

let secret = "";
const dialer = await startSimDialer(() => secret);
const PORT = Number(values.port);
const worker = await startWorker({
	dialerUrl: dialer.url,
	logLevel: "error",
	quiet: true,
	port: PORT,
	inspectorPort: PORT + 1,
});
secret = worker.secrets.DIALER_SECRET;
const load0 = loadavg()[0] ?? 0;
try {
	const token = await worker.token();
	const base = worker.url;

	// ---- B first (it does not depend on A): 100k-row import vs csv-parse ----
	const lines = ["number,name,comment,city"];
	for (let i = 0; i < ROWS; i++)
		lines.push(`+1415${String(2000000 + i).padStart(7, "0")},"Name ${i}",note ${i % 13},City ${i % 97}`);
	const csvText = `${lines.join("\n")}\n`;
	const csvBytes = new TextEncoder().encode(csvText);
	const p0 = performance.now();
	const parsed = parse(csvText, {
		bom: true,
		relax_column_count: true,
		skip_empty_lines: true,
		trim: true,
	}) as string[][];
	const parseMs = performance.now() - p0;
	const i0 = performance.now();
	const imported = await call<{ contact_count: number }>(base, token, "/v1/contact-lists?name=bench-100k", {
		method: "POST",
		body: csvBytes,
		type: "text/csv",
	});
	const importMs = performance.now() - i0;
	if (imported.status !== 201 || imported.body.contact_count !== ROWS)
		throw new Error(`import failed: ${imported.status} ${JSON.stringify(imported.body).slice(0, 300)}`);
	console.log(
		`[B] ${ROWS} rows: Worker import ${importMs.toFixed(0)} ms; csv-parse alone ${parseMs.toFixed(0)} ms (${parsed.length - 1} records)`,
	);

	// ---- A: 10k numbers at CPS ----
	const trunk = await call<{ id: string }>(base, token, "/v1/sip-trunks", {
		method: "POST",
		json: { name: "sim", host: "127.0.0.1", port: 5060 },
	});
	const sound = await call<{ id: string }>(base, token, "/v1/sounds?name=s", {
		method: "POST",
		body: toneWav(1),
		type: "audio/wav",
	});
	const nums = Array.from({ length: NUMBERS }, (_, i) => `+1212${String(2000000 + i).padStart(7, "0")}`);
	const list = await call<{ id: string; contact_count: number }>(
		base,
		token,
		"/v1/contact-lists?name=bench-10k",
		{ method: "POST", body: `number\n${nums.join("\n")}\n`, type: "text/csv" },
	);
	if (list.body.contact_count !== NUMBERS)
		throw new Error(`list: ${JSON.stringify(list.body).slice(0, 300)}`);
	const campaign = await call<{ id: string }>(base, token, "/v1/campaigns", {
		method: "POST",
		json: {
			name: "bench",
			trunk_id: trunk.body.id,
			sound_id: sound.body.id,
			list_id: list.body.id,
			calls_per_second: CPS,
			max_concurrent: 500,
			ring_timeout_s: 30,
			max_duration_s: 60,
		},
	});
	const profiler = values.profile ? await startProfile(PORT + 1) : null;
	const started = performance.now();
	const cpu0 = worker.cpuSeconds();
	const wd0 = worker.cpuSeconds("workerd");
	const benchCpu0 = process.cpuUsage();
	await call(base, token, `/v1/campaigns/${campaign.body.id}/start`, { method: "POST" });
	// Generous: on this shared 2-core machine the engine runs well below the configured rate.
	const timeoutMs = Math.ceil((NUMBERS / CPS) * 1000 * 12 + 60_000);
	let last: { status: string; counts: Record<string, number> } = { status: "unknown", counts: {} };
	const final = await waitFor(
		async () => {
			const s = await call<{ status: string; counts: Record<string, number> }>(
				base,
				token,
				`/v1/campaigns/${campaign.body.id}`,
			);
			last = s.body;
			return s.body.status === "completed" ? s.body : undefined;
		},
		timeoutMs,
		"the campaign to complete",
	).catch(() => ({ ...last, timed_out: true }));
	const completedMs = performance.now() - started;
	const profile = await profiler?.stop(40);
	if (profile) {
		console.log(`[profile] JS busy ${profile.total_ms} ms, idle ${profile.idle_ms} ms`);
		for (const h of profile.hotspots) console.log(`${String(h.self_ms).padStart(7)} ms ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.fn}`);
	}
	const workerCpuS = worker.cpuSeconds() - cpu0;
	const workerdCpuS = worker.cpuSeconds("workerd") - wd0;
	const benchCpu = process.cpuUsage(benchCpu0);
	const benchCpuS = (benchCpu.user + benchCpu.system) / 1e6;
	// The engine's own view: when each attempt was written (DO clock) and when the dialer's 201 came back.
	const created: number[] = [];
	const accepted: number[] = [];
	for (let pageToken = "", pages = 0; pages < 200; pages++) {
		const next = pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : "";
		const page = await call<{
			items: { created_at: string; started_at: string | null }[];
			page_token: string | null;
		}>(base, token, `/v1/campaigns/${campaign.body.id}/calls?page_size=1000${next}`);
		for (const c of page.body.items) {
			created.push(Date.parse(c.created_at));
			if (c.started_at) accepted.push(Date.parse(c.started_at));
		}
		if (page.body.page_token === null) break;
		pageToken = page.body.page_token;
	}
	created.sort((a, b) => a - b);
	accepted.sort((a, b) => a - b);
	const createdGaps = created.slice(1).map((t, i) => t - (created[i] ?? t));
	const acceptedGaps = accepted.slice(1).map((t, i) => t - (accepted[i] ?? t));
	const engineSide = {
		created_interval_ms: {
			p50: r2(q(createdGaps, 0.5)),
			p99: r2(q(createdGaps, 0.99)),
			max: Math.max(...createdGaps),
		},
		accepted_interval_ms: {
			p50: r2(q(acceptedGaps, 0.5)),
			p99: r2(q(acceptedGaps, 0.99)),
			max: Math.max(...acceptedGaps),
		},
		created_span_s: r2(((created.at(-1) ?? 0) - (created[0] ?? 0)) / 1000),
	};
	console.log("engine side", JSON.stringify(engineSide));
	const at = dialer.dials.map((d) => d.at).sort((a, b) => a - b);
	const gaps = at.slice(1).map((t, i) => t - (at[i] ?? t));
	const spanS = ((at.at(-1) ?? 0) - (at[0] ?? 0)) / 1000;
	const achieved = (at.length - 1) / spanS;
	// Most dials in any sliding one-second window.
	let maxWindow = 0;
	for (let i = 0, j = 0; i < at.length; i++) {
		while ((at[i] ?? 0) - (at[j] ?? 0) >= 1000) j++;
		maxWindow = Math.max(maxWindow, i - j + 1);
	}
	const ideal = 1000 / CPS;
	const result = {
		at: new Date().toISOString(),
		machine: {
			cpus: cpus().length,
			model: cpus()[0]?.model,
			node: process.version,
			loadavg_start: r2(load0),
			loadavg_end: r2(loadavg()[0] ?? 0),
		},
		rate: {
			numbers: NUMBERS,
			configured_cps: CPS,
			dialed: at.length,
			distinct_numbers: new Set(dialer.dials.map((d) => d.id.split(":")[1])).size,
			duplicate_posts: dialer.stats().duplicates,
			callbacks_failed: dialer.stats().callbacksFailed,
			achieved_cps: r2(achieved),
			achieved_over_configured: r2(achieved / CPS),
			interval_ms: {
				ideal: r2(ideal),
				p50: r2(q(gaps, 0.5)),
				p99: r2(q(gaps, 0.99)),
				max: r2(Math.max(...gaps)),
			},
			p99_over_ideal: r2(q(gaps, 0.99) / ideal),
			max_calls_in_any_1s: maxWindow,
			max_1s_over_configured: r2(maxWindow / CPS),
			dial_span_s: r2(spanS),
			start_to_completed_s: r2(completedMs / 1000),
			final_counts: final.counts,
			worker_cpu_s: r2(workerCpuS),
			worker_cpu_ms_per_call: r2((workerCpuS * 1000) / Math.max(1, at.length)),
			workerd_only_cpu_ms_per_call: r2((workerdCpuS * 1000) / Math.max(1, at.length)),
			worker_cpu_share_of_one_core: r2(workerCpuS / (completedMs / 1000)),
			sim_dialer_cpu_s: r2(benchCpuS),
			engine_side: engineSide,
		},
		import: {
			rows: ROWS,
			bytes: csvBytes.length,
			worker_import_ms: Math.round(importMs),
			baseline_csv_parse_ms: Math.round(parseMs),
			import_over_baseline: r2(importMs / parseMs),
			rows_per_s: Math.round(ROWS / (importMs / 1000)),
		},
	};
	writeFileSync(join(ROOT, "bench/results/campaign.json"), `${JSON.stringify(result, null, 2)}\n`);
	const R = result.rate;
	const I = result.import;
	const md = `# Campaign bench (${result.at})

Worker under \`wrangler dev\` (workerd, local D1/R2/DO) + a simulated dialer in the bench process (accepts every call, answers, hangs up after ${TALK_MS} ms, posts \`answered\` + \`completed\` to the callback URL). ${result.machine.cpus} CPUs (${result.machine.model}), node ${result.machine.node}; 1-min load average ${result.machine.loadavg_start} at start, ${result.machine.loadavg_end} at end (other engineers' work shares these CPUs).

## A. ${R.numbers.toLocaleString("en")} numbers at ${R.configured_cps} calls/s (max_concurrent 500)

| metric | measured | baseline (configured) | measured/baseline |
| --- | ---: | ---: | ---: |
| achieved rate (calls/s, first→last dial) | ${R.achieved_cps} | ${R.configured_cps} | ${R.achieved_over_configured} |
| inter-dial interval p50 (ms) | ${R.interval_ms.p50} | ${R.interval_ms.ideal} | ${r2(R.interval_ms.p50 / R.interval_ms.ideal)} |
| inter-dial interval p99 (ms) | ${R.interval_ms.p99} | ${R.interval_ms.ideal} | ${R.p99_over_ideal} |
| inter-dial interval max (ms) | ${R.interval_ms.max} | ${R.interval_ms.ideal} | ${r2(R.interval_ms.max / R.interval_ms.ideal)} |
| most dials in any 1 s window | ${R.max_calls_in_any_1s} | ${R.configured_cps} | ${R.max_1s_over_configured} |
| numbers dialed / distinct / duplicate POSTs | ${R.dialed} / ${R.distinct_numbers} / ${R.duplicate_posts} | ${R.numbers} / ${R.numbers} / 0 | |
| CPU per call (ms): wrangler dev + workerd / workerd alone; share of one core | ${R.worker_cpu_ms_per_call} / ${R.workerd_only_cpu_ms_per_call}; ${R.worker_cpu_share_of_one_core} | ${r2(1000 / R.configured_cps)} ms per call fits one core | |
| dial span / start→completed (s) | ${R.dial_span_s} / ${R.start_to_completed_s} | ${r2(R.numbers / R.configured_cps)} | |

Final counts: \`${JSON.stringify(R.final_counts)}\`

## B. Importing a ${I.rows.toLocaleString("en")}-row CSV (${(I.bytes / 1024 / 1024).toFixed(1)} MiB)

| metric | Worker \`POST /v1/contact-lists\` | baseline: csv-parse alone in Node | ratio |
| --- | ---: | ---: | ---: |
| time (ms) | ${I.worker_import_ms} | ${I.baseline_csv_parse_ms} | ${I.import_over_baseline} |
| rows/s | ${I.rows_per_s} | ${Math.round(I.rows / (I.baseline_csv_parse_ms / 1000))} | |

The Worker's figure includes the HTTP upload, decoding, csv-parse, E.164 normalisation with libphonenumber-js, duplicate merge, the do-not-call lookup and 50 D1 INSERT … SELECT FROM json_each statements in one batch.
`;
	writeFileSync(join(ROOT, "bench/results/campaign.md"), md);
	console.log(md);
} finally {
	dialer.close();
	await worker.stop();
}

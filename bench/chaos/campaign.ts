// Chaos, campaign part: a campaign against sipp (test/e2e/sipp/uas-by-number.xml:
// a number ending in 1 answers, 2 is busy, 3 never answers, others fail) through
// the real dialer (dialer/src/main.ts), which this driver kills (SIGKILL) and
// restarts while calls are in flight. Afterwards: INVITEs per number from sipp's
// message trace (distinct Call-IDs) against the attempts in the campaign's call
// records, and every contact in a terminal state.
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { call, toneWav } from "../../test/e2e/stack.ts";

export type CampaignFigures = {
	contacts: number;
	dialer_kills: number;
	dialer_restarts: number;
	status: string;
	counts: Record<string, number>;
	call_records: number;
	invites_seen: number;
	numbers_invited: number;
	numbers_dialed_more_than_attempts: number;
	extra_dials: number;
	examples: unknown[];
	contacts_not_terminal: number;
	seconds: number;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Distinct INVITE Call-IDs per dialed number in a sipp `-trace_msg` file (retransmissions share a Call-ID). */
export function invitesByNumber(trace: string): Map<string, Set<string>> {
	const out = new Map<string, Set<string>>();
	for (const block of trace.split(/^-{20,}.*$/m)) {
		const req = /^INVITE sip:(\+?\d+)@/m.exec(block);
		const callId = /^Call-ID:\s*(\S+)/im.exec(block);
		if (!req || !callId || !/message received/.test(block)) continue;
		const n = req[1] as string;
		out.set(n, (out.get(n) ?? new Set()).add(callId[1] as string));
	}
	return out;
}

export async function runCampaign(o: {
	base: string;
	token: string;
	snap: string;
	tmp: string;
	dialerSecret: string;
	dialerPort: number;
	/** sipp on sipBase, the dialer's SIP on +1, its RTP on +2..+5, sipp media on +6, the RTP sink on +9. */
	sipBase: number;
	contacts: number;
	rand: () => number;
	deadline: number;
}): Promise<CampaignFigures> {
	const t0 = Date.now();
	const trace = join(o.tmp, "sipp-messages.log");
	const sink = dgram.createSocket("udp4");
	await new Promise<void>((r) => sink.bind(o.sipBase + 9, "127.0.0.1", () => r()));
	const sipp = spawn(
		"sipp",
		[
			"-sf",
			join(o.snap, "test/e2e/sipp/uas-by-number.xml"),
			"-i",
			"127.0.0.1",
			"-p",
			String(o.sipBase),
			"-mp",
			String(o.sipBase + 6),
			"-t",
			"u1",
			"-set",
			"rtpport",
			String(o.sipBase + 9),
			"-nostdin",
			"-trace_msg",
			"-message_file",
			trace,
		],
		{ stdio: "ignore", cwd: o.tmp },
	);
	let dialer: ChildProcess | undefined;
	const startDialer = () => {
		dialer = spawn(process.execPath, ["dialer/src/main.ts"], {
			cwd: o.snap,
			stdio: "ignore",
			env: {
				...process.env,
				DIALER_SECRET: o.dialerSecret,
				DIALER_PORT: String(o.dialerPort),
				DIALER_HOST: "127.0.0.1",
				DIALER_SIP_PORT: String(o.sipBase + 1),
				DIALER_RTP_PORT_MIN: String(o.sipBase + 2),
				DIALER_RTP_PORT_MAX: String(o.sipBase + 5),
				DIALER_LOG_LEVEL: "error",
			},
		});
	};
	const dialerUp = async () => {
		for (let i = 0; i < 100; i++) {
			try {
				if ((await fetch(`http://127.0.0.1:${o.dialerPort}/health`)).ok) return;
			} catch {}
			await sleep(200);
		}
		throw new Error("dialer did not come up");
	};
	let kills = 0;
	let restarts = 0;
	try {
		startDialer();
		await dialerUp();
		const { base, token } = o;
		const trunk = await call<{ id: string }>(base, token, "/v1/sip-trunks", {
			method: "POST",
			json: { name: "sipp", host: "127.0.0.1", port: o.sipBase, caller_id: "+14155550000" },
		});
		if (trunk.status !== 201) throw new Error(`trunk ${trunk.status} ${JSON.stringify(trunk.body)}`);
		const sound = await call<{ id: string }>(base, token, "/v1/sounds?name=chaos", {
			method: "POST",
			body: toneWav(1),
			type: "audio/wav",
		});
		// Mostly answers; every fifth busy (retried once), every tenth fails.
		const numbers = Array.from({ length: o.contacts }, (_, i) => {
			const last = i % 10 === 9 ? 4 : i % 5 === 4 ? 2 : 1;
			return `+1415556${String(i).padStart(3, "0")}${last}`;
		});
		const list = await call<{ id: string }>(base, token, "/v1/contact-lists?name=chaos", {
			method: "POST",
			body: `number\n${numbers.join("\n")}\n`,
			type: "text/csv",
		});
		const created = await call<{ id: string }>(base, token, "/v1/campaigns", {
			method: "POST",
			json: {
				name: "chaos",
				trunk_id: trunk.body.id,
				sound_id: sound.body.id,
				list_id: list.body.id,
				max_concurrent: 2,
				calls_per_second: 2,
				ring_timeout_s: 5,
				max_duration_s: 20,
				retry: { busy: { delay_s: 1, max_attempts: 2 } },
			},
		});
		if (created.status !== 201) throw new Error(`campaign ${created.status} ${JSON.stringify(created.body)}`);
		const id = created.body.id;
		await call(base, token, `/v1/campaigns/${id}/start`, { method: "POST" });
		let status = "running";
		let counts: Record<string, number> = {};
		const poll = async () => {
			const s = await call<{ status: string; counts: Record<string, number> }>(
				base,
				token,
				`/v1/campaigns/${id}`,
			);
			status = s.body.status;
			counts = s.body.counts;
		};
		// Kill the dialer every 4-9 s while the campaign runs (at most 8 times), back after 0.5-2 s.
		let nextKill = Date.now() + 4000 + o.rand() * 5000;
		while (Date.now() < o.deadline) {
			await poll().catch(() => {});
			if (status === "completed") break;
			if (kills < 8 && Date.now() > nextKill && dialer) {
				dialer.kill("SIGKILL");
				kills++;
				await sleep(500 + o.rand() * 1500);
				startDialer();
				await dialerUp();
				restarts++;
				nextKill = Date.now() + 4000 + o.rand() * 5000;
			}
			await sleep(500);
		}
		const records: { number: string; attempt: number; outcome: string | null; state: string }[] = [];
		for (let pageToken = "", pages = 0; pages < 50; pages++) {
			const next = pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : "";
			const page = await call<{ items: typeof records; page_token: string | null }>(
				base,
				token,
				`/v1/campaigns/${id}/calls?page_size=200${next}`,
			);
			records.push(...page.body.items);
			if (!page.body.page_token) break;
			pageToken = page.body.page_token;
		}
		await sleep(1000); // sipp writes its trace as it goes; let the last lines land
		const invites = invitesByNumber(existsSync(trace) ? readFileSync(trace, "latin1") : "");
		const attempts = new Map<string, number>();
		for (const r of records) attempts.set(r.number, Math.max(attempts.get(r.number) ?? 0, r.attempt));
		let over = 0;
		let extra = 0;
		const examples: unknown[] = [];
		for (const [n, ids] of invites) {
			const a = attempts.get(n) ?? 0;
			if (ids.size > a) {
				over++;
				extra += ids.size - a;
				if (examples.length < 5) examples.push({ number: n, invites: ids.size, attempts: a });
			}
		}
		const lastByNumber = new Map<string, (typeof records)[number]>();
		for (const r of records) {
			const prev = lastByNumber.get(r.number);
			if (!prev || r.attempt > prev.attempt) lastByNumber.set(r.number, r);
		}
		const notTerminal =
			numbers.filter((n) => !lastByNumber.get(n)?.outcome).length + Math.max(0, counts.in_flight ?? 0);
		return {
			contacts: numbers.length,
			dialer_kills: kills,
			dialer_restarts: restarts,
			status,
			counts,
			call_records: records.length,
			invites_seen: [...invites.values()].reduce((s, v) => s + v.size, 0),
			numbers_invited: invites.size,
			numbers_dialed_more_than_attempts: over,
			extra_dials: extra,
			examples,
			contacts_not_terminal: notTerminal,
			seconds: Math.round((Date.now() - t0) / 1000),
		};
	} finally {
		dialer?.kill("SIGTERM");
		sipp.kill("SIGTERM");
		sink.close();
	}
}

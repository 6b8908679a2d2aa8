/**
 * A campaign over two real dialers (dialer/src/main.ts) with sipp as the
 * carrier, and one dialer killed (SIGKILL) while its calls are up. Its calls
 * must end as failed with the reason after the bound, their retries go to the
 * surviving dialer, and every contact reaches exactly one terminal outcome per
 * attempt, answered once. Ports: 8900-8903 / UDP 25900-25909 unless
 * FLEET_TEST_PORT / FLEET_TEST_UDP_PORT move them.
 *
 * The victim is whichever dialer is first seen carrying a call: on a loaded
 * machine a slow health answer can keep the campaign off one dialer for a
 * while, so waiting for a particular one was a guess. Every wait is for an
 * event (a health answer, the campaign's status), bounded generously.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLEET } from "../../src/domain/dialer/fleet.ts";
import {
	call,
	campaignInputs,
	ROOT,
	type SippGateway,
	startSippGateway,
	startWorker,
	type WorkerStack,
	waitFor,
} from "./stack.ts";

// Last digit 1: sipp answers and the call lasts as long as the sound.
const NUMBERS = Array.from({ length: 6 }, (_, i) => `+14155550${i}01`);

// Fixed ports (dialer URLs are part of the Worker's config); a helper sets its own range.
const HTTP = Number(process.env.FLEET_TEST_PORT ?? 8900);
const UDP = Number(process.env.FLEET_TEST_UDP_PORT ?? 25900);

let worker: WorkerStack;
const dialers: { name: string; url: string; proc: ChildProcess; out: string }[] = [];
let sipp: SippGateway;

beforeAll(async () => {
	sipp = await startSippGateway(290);
	const urls = [`http://127.0.0.1:${HTTP + 2}`, `http://127.0.0.1:${HTTP + 3}`];
	worker = await startWorker({
		dialerUrl: urls[0] as string,
		port: HTTP,
		inspectorPort: HTTP + 1,
		vars: { DIALER_URLS: urls.join(",") },
	});
	for (const [i, url] of urls.entries()) {
		const d = { name: url, url, proc: undefined as unknown as ChildProcess, out: "" };
		d.proc = spawn(process.execPath, ["dialer/src/main.ts"], {
			cwd: ROOT,
			stdio: ["ignore", "pipe", "pipe"],
			env: {
				...process.env,
				DIALER_SECRET: worker.secrets.DIALER_SECRET,
				DIALER_PORT: String(HTTP + 2 + i),
				DIALER_HOST: "127.0.0.1",
				DIALER_SIP_PORT: String(UDP + 8 + i),
				DIALER_RTP_PORT_MIN: String(UDP + i * 4),
				DIALER_RTP_PORT_MAX: String(UDP + 3 + i * 4),
				DIALER_MAX_CALLS: "2",
				DIALER_LOG_LEVEL: "warn",
			},
		});
		for (const s of [d.proc.stdout, d.proc.stderr])
			s?.on("data", (x) => {
				d.out = (d.out + String(x)).slice(-10_000);
			});
		dialers.push(d);
		await waitFor(
			async () => ((await fetch(`${url}/health`)).ok ? true : undefined),
			30_000,
			`dialer ${url}`,
		);
	}
}, 240_000);

afterAll(async () => {
	for (const d of dialers) d.proc.kill("SIGTERM");
	sipp?.stop();
	await worker?.stop();
});

type Cdr = {
	call_id: string;
	number: string;
	attempt: number;
	state: string;
	outcome: string | null;
	reason: string | null;
};

describe("campaign over a dialer fleet (Worker + two dialers + sipp)", () => {
	it("a dialer killed mid-campaign: its calls fail with the reason, retries complete on the other, one outcome per attempt", async () => {
		const base = worker.url;
		const token = await worker.token();
		const sippPort = sipp.port;
		const csv = `number,name\n${NUMBERS.map((n, i) => `${n},P${i}`).join("\n")}\n`;
		const { trunkId, soundId, listId } = await campaignInputs(base, token, {
			sippPort,
			soundName: "long",
			soundSeconds: 6,
			listName: "fleet",
			csv,
		});
		const created = await call<{ id: string }>(base, token, "/v1/campaigns", {
			method: "POST",
			json: {
				name: "fleet",
				trunk_id: trunkId,
				sound_id: soundId,
				list_id: listId,
				max_concurrent: 4,
				calls_per_second: 4,
				ring_timeout_s: 5,
				max_duration_s: 30,
				retry: { failed: { delay_s: 1, max_attempts: 2 } },
			},
		});
		expect(created.status).toBe(201);
		const id = created.body.id;
		expect((await call(base, token, `/v1/campaigns/${id}/start`, { method: "POST" })).status).toBe(200);

		// Kill a dialer while it carries calls: the first one seen with a call up.
		const carrying = async (d: (typeof dialers)[number]) => {
			const h = (await (await fetch(`${d.url}/health`)).json()) as { active_calls: number };
			return h.active_calls > 0;
		};
		const victim = await waitFor(
			async () => {
				for (const d of dialers) if (await carrying(d).catch(() => false)) return d;
				return undefined;
			},
			120_000,
			"calls on a dialer",
		);
		victim.proc.kill("SIGKILL");
		const survivor = dialers.find((d) => d !== victim) as (typeof dialers)[number];

		const cdrsNow = async () =>
			(await call<{ items: Cdr[] }>(base, token, `/v1/campaigns/${id}/calls?page_size=100`)).body.items;
		await waitFor(
			async () =>
				(await call<{ status: string }>(base, token, `/v1/campaigns/${id}`)).body.status === "completed"
					? true
					: undefined,
			// The victim's calls fail once it has not answered for DEAD_AFTER_MS; their retries then run.
			FLEET.DEAD_AFTER_MS + 150_000,
			"the campaign to complete",
		).catch(async (err) => {
			throw new Error(
				`${err.message}\n--- calls ${JSON.stringify(await cdrsNow())}\n--- surviving dialer\n${survivor.out.slice(-2000)}\n--- sipp\n${sipp.output().slice(-1500)}\n--- worker\n${worker.logs().slice(-4000)}`,
			);
		});

		const cdrs = await cdrsNow();
		const lost = cdrs.filter((c) => c.reason?.startsWith(`dialer ${victim.url} stopped answering`));
		expect(lost.length).toBeGreaterThan(0);
		for (const c of lost) expect(c.outcome).toBe("failed");
		// One row per (number, attempt), each terminal; every contact answered exactly once.
		const keys = cdrs.map((c) => `${c.number}#${c.attempt}`);
		expect(new Set(keys).size).toBe(keys.length);
		for (const n of NUMBERS) {
			const mine = cdrs.filter((c) => c.number === n);
			expect(mine.every((c) => ["completed", "failed"].includes(c.outcome ?? ""))).toBe(true);
			expect(mine.filter((c) => c.outcome === "completed")).toHaveLength(1);
		}
	}, 420_000);
});

/**
 * End to end, all real: the Worker under wrangler dev, the dialer
 * (dialer/src/main.ts) as a local process, and sipp on 127.0.0.1 as the
 * carrier, answering by the dialed number's last digit (1 answers, 2 busy,
 * 3 never answers, 4 fails). One campaign of four numbers with a retry on
 * busy; the CDRs, counts and signed webhooks must come out right.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	call,
	campaignInputs,
	freePort,
	ROOT,
	type SippGateway,
	startSippGateway,
	startWorker,
	type WorkerStack,
	waitFor,
} from "./stack.ts";

const NUMBERS = {
	answers: "+14155550101",
	busy: "+14155550102",
	noAnswer: "+14155550103",
	fails: "+14155550104",
};

let worker: WorkerStack;
let dialer: ChildProcess;
let sipp: SippGateway;
let hookServer: http.Server;
const hooks: { type: string; body: string; signature: string }[] = [];
let hookUrl = "";
let dialerOut = "";

function spawnLogged(
	cmd: string,
	args: string[],
	env: NodeJS.ProcessEnv,
	sink: (s: string) => void,
): ChildProcess {
	const p = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
	p.stdout?.on("data", (d) => sink(String(d)));
	p.stderr?.on("data", (d) => sink(String(d)));
	return p;
}

beforeAll(async () => {
	sipp = await startSippGateway(170);
	hookServer = http.createServer(async (req, res) => {
		let body = "";
		for await (const c of req) body += c;
		hooks.push({
			type: String(req.headers["hatch-event-type"]),
			body,
			signature: String(req.headers["hatch-signature"]),
		});
		res.writeHead(204).end();
	});
	await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", () => r()));
	hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/hooks`;
	const dialerPort = await freePort();
	worker = await startWorker({ dialerUrl: `http://127.0.0.1:${dialerPort}` });
	dialer = spawnLogged(
		process.execPath,
		["dialer/src/main.ts"],
		{
			...process.env,
			DIALER_SECRET: worker.secrets.DIALER_SECRET,
			DIALER_PORT: String(dialerPort),
			DIALER_HOST: "127.0.0.1",
			DIALER_SIP_PORT: String(await freePort()),
			DIALER_RTP_PORT_MIN: "31000",
			DIALER_RTP_PORT_MAX: "31400",
			DIALER_LOG_LEVEL: "warn",
		},
		(s) => {
			dialerOut = (dialerOut + s).slice(-20_000);
		},
	);
	await waitFor(
		async () => ((await fetch(`http://127.0.0.1:${dialerPort}/health`)).ok ? true : undefined),
		20_000,
		"the dialer",
	);
}, 150_000);

afterAll(async () => {
	dialer?.kill("SIGTERM");
	sipp?.stop();
	hookServer?.close();
	await worker?.stop();
});

describe("campaign end to end (Worker + dialer + sipp)", () => {
	it("answers, busy with a retry, no answer and failure all come out right", async () => {
		const token = await worker.token();
		const base = worker.url;
		const sippPort = sipp.port;
		const csv = `number,name\n${NUMBERS.answers},Ann\n${NUMBERS.busy},Bob\n${NUMBERS.noAnswer},Cy\n${NUMBERS.fails},Di\n`;
		const { trunkId, soundId, listId } = await campaignInputs(base, token, {
			sippPort,
			soundName: "hello",
			soundSeconds: 1,
			listName: "e2e",
			csv,
		});
		const created = await call<{ id: string; webhook_secret: string }>(base, token, "/v1/campaigns", {
			method: "POST",
			json: {
				name: "e2e",
				trunk_id: trunkId,
				sound_id: soundId,
				list_id: listId,
				max_concurrent: 4,
				calls_per_second: 5,
				ring_timeout_s: 5,
				max_duration_s: 30,
				retry: { busy: { delay_s: 1, max_attempts: 2 } },
				webhook_url: hookUrl,
			},
		});
		expect(created.status).toBe(201);
		const id = created.body.id;
		expect((await call(base, token, `/v1/campaigns/${id}/start`, { method: "POST" })).status).toBe(200);

		const final = await waitFor(
			async () => {
				const s = await call<{ status: string; counts: Record<string, number> }>(
					base,
					token,
					`/v1/campaigns/${id}`,
				);
				return s.body.status === "completed" ? s.body : undefined;
			},
			60_000,
			"the campaign to complete",
		).catch(async (err) => {
			const last = await call(base, token, `/v1/campaigns/${id}`);
			const calls = await call(base, token, `/v1/campaigns/${id}/calls`);
			const wlog = worker
				.logs()
				.split("\n")
				.filter((l) => !l.includes("GET /v1/campaigns/"))
				.join("\n");
			throw new Error(
				`${err.message}\n--- status ${JSON.stringify(last.body)}\n--- calls ${JSON.stringify(calls.body)}\n--- dialer\n${dialerOut.slice(-3000)}\n--- sipp\n${sipp.output().slice(-2000)}\n--- worker\n${wlog.slice(-5000)}`,
			);
		});
		expect(final.counts).toMatchObject({
			total: 4,
			done: 4,
			completed: 1,
			busy: 1,
			no_answer: 1,
			failed: 1,
			attempts: 5,
			answered: 1,
			in_flight: 0,
		});

		const cdrs = await call<{ items: Record<string, unknown>[] }>(
			base,
			token,
			`/v1/campaigns/${id}/calls?page_size=100`,
		);
		const by = (n: string) => cdrs.body.items.filter((c) => c.number === n);
		expect(by(NUMBERS.answers)).toEqual([
			expect.objectContaining({
				attempt: 1,
				outcome: "completed",
				sip_code: 200,
				answered_at: expect.any(String),
				billed_s: expect.any(Number),
			}),
		]);
		expect(by(NUMBERS.answers)[0]?.billed_s).toBeGreaterThanOrEqual(1);
		expect(by(NUMBERS.busy).map((c) => [c.attempt, c.outcome, c.sip_code])).toEqual([
			[1, "busy", 486],
			[2, "busy", 486],
		]);
		expect(by(NUMBERS.noAnswer)).toEqual([
			expect.objectContaining({ outcome: "no_answer", answered_at: null, billed_s: 0 }),
		]);
		expect(by(NUMBERS.fails)).toEqual([expect.objectContaining({ outcome: "failed", sip_code: 503 })]);

		const csvOut = await call<string>(base, token, `/v1/campaigns/${id}/calls.csv`);
		expect(String(csvOut.body).trim().split("\r\n")).toHaveLength(6);

		await waitFor(
			() => (hooks.some((h) => h.type === "campaign.completed") ? true : undefined),
			30_000,
			"the campaign.completed webhook",
		);
		expect(hooks.filter((h) => h.type === "call.completed")).toHaveLength(5);
		expect(hooks.filter((h) => h.type === "campaign.started")).toHaveLength(1);
		for (const h of hooks) {
			const [t, v1] = h.signature.split(",").map((p) => p.split("=")[1]);
			expect(createHmac("sha256", created.body.webhook_secret).update(`${t}.${h.body}`).digest("hex")).toBe(
				v1,
			);
		}
	}, 150_000);
});

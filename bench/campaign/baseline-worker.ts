// The campaign bench's same-run baseline: a bare Durable Object that paces
// POST /calls to the simulated dialer the way the Campaign does (alarms of
// up to 10 s, a slot every 1/cps seconds, a timer to each slot, a request
// per call with the same fields) and takes the dialer's event batches back
// through a Worker route, but keeps everything in memory: no SQL, no engine,
// no auth, no validation. What the Campaign costs above this is its own.
//
// Run by bench/campaign/run.ts under `wrangler dev` with a config it writes.
import { DurableObject } from "cloudflare:workers";

type Env = { PACER: DurableObjectNamespace<Pacer> };
type Plan = { n: number; cps: number; dialer: string; callback: string };

export class Pacer extends DurableObject<Env> {
	private plan: Plan | null = null;
	private sent = 0;
	private nextSlot = 0;
	private ended = 0;
	private readonly seen = new Set<string>();

	async start(plan: Plan): Promise<void> {
		this.plan = plan;
		this.sent = 0;
		this.ended = 0;
		this.nextSlot = Date.now();
		await this.ctx.storage.setAlarm(Date.now());
	}

	status(): { sent: number; ended: number } {
		return { sent: this.sent, ended: this.ended };
	}

	events(evs: { call_id: string; seq: number; type: string }[]): number {
		for (const ev of evs) {
			const key = `${ev.call_id}/${ev.seq}`;
			if (this.seen.has(key)) continue;
			this.seen.add(key);
			if (ev.type === "completed") this.ended++;
		}
		return evs.length;
	}

	override async alarm(): Promise<void> {
		const plan = this.plan;
		if (!plan) return;
		const until = Date.now() + 10_000;
		const interval = 1000 / plan.cps;
		const sends: Promise<void>[] = [];
		while (this.sent < plan.n) {
			const now = Date.now();
			const slot = Math.max(this.nextSlot, now - interval * Math.ceil(plan.cps / 10 - 1));
			if (slot > until) break;
			if (slot > now) {
				await new Promise((r) => setTimeout(r, slot - now));
				continue;
			}
			this.nextSlot = slot + interval;
			const id = `00000000-0000-4000-8000-000000000000:${this.sent}:1`;
			this.sent++;
			sends.push(this.send(plan, id));
		}
		await Promise.all(sends);
		if (this.sent < plan.n) await this.ctx.storage.setAlarm(Date.now());
	}

	private async send(plan: Plan, callId: string): Promise<void> {
		const res = await fetch(`${plan.dialer}/calls`, {
			method: "POST",
			headers: { "Content-Type": "application/json", Authorization: "Bearer baseline" },
			body: JSON.stringify({
				call_id: callId,
				to: `+1212${String(2000000 + this.sent).padStart(7, "0")}`,
				trunk: { host: "127.0.0.1", port: 5060, transport: "udp", username: null },
				audio: { url: "http://127.0.0.1/v1/dialer/sounds/x" },
				ring_timeout_s: 30,
				max_duration_s: 60,
				callback_url: plan.callback,
				host_deny: "private,link-local,cgnat,multicast,reserved",
				rate: { key: "bench", calls_per_second: plan.cps },
			}),
		});
		await res.json();
	}
}

export default {
	async fetch(req: Request, env: Env): Promise<Response> {
		const url = new URL(req.url);
		const pacer = env.PACER.get(env.PACER.idFromName("bench"));
		if (url.pathname === "/start") {
			await pacer.start((await req.json()) as Plan);
			return Response.json({ ok: true });
		}
		if (url.pathname === "/status") return Response.json(await pacer.status());
		if (url.pathname === "/events") {
			const body = (await req.json()) as { call_id: string; seq: number; type: string }[];
			return Response.json({ accepted: await pacer.events(Array.isArray(body) ? body : [body]) });
		}
		return new Response("not found", { status: 404 });
	},
};

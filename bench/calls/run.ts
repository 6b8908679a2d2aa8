// Calls bench: signalling latency through the real Worker (`wrangler dev`:
// workerd with local D1 and Durable Objects), all in one run:
//   baseline: a `ping` round trip on the caller's socket (client → its own
//             UserHub → client), the floor of anything on a socket;
//   offer:    caller sends call.offer → the callee's socket has call.offer
//             (caller hub: D1 lookup, TURN lease; RPC to the callee's hub);
//   answer:   callee sends call.answer → the caller's socket has call.answer;
//   ice:      caller sends call.ice → the callee's socket has it (two hubs);
//   bye:      caller sends call.bye → the callee's socket has it (plus the
//             history row written by the caller's hub);
//   setup:    call.offer sent → call.answer received, with the callee
//             answering as soon as it rings.
// Both clients live in this process, so one-way times use one clock. It
// prints medians, p90s and each ÷ the ping baseline.
//
//   node bench/calls/run.ts [--n 30] [--port 8797]
//
// Bounded: N calls, every wait has a timeout; wrangler listens on 127.0.0.1
// only, runs a snapshot of the committed tree (`git archive HEAD`) with its
// state in a temporary directory removed at the end.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAdmin, runBench, snapshotHead, startWrangler, waitFor } from "../lib/wrangler.ts";

const { values } = parseArgs({
	options: { n: { type: "string", default: "30" }, port: { type: "string", default: "8797" } },
});
const N = Math.min(100, Math.max(5, Number(values.n)));
const base = `http://127.0.0.1:${values.port}`;
const persist = mkdtempSync(join(tmpdir(), "hatch-bench-calls-"));
const repo = process.cwd();
const snapshot = join(persist, "src");
const state = join(persist, "state");
const password = "Bench-calls-2026-latency!";
const SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
// Offers are limited to 20 a minute per caller: spread the calls over enough pairs.
const PAIRS = Math.ceil((N + 1) / 15);

type Frame = { type: string; id?: string; call_id?: string; [k: string]: unknown };

/** A socket client that resolves waiters on frames and timestamps them on arrival. */
class Client {
	private waiters: { pred: (f: Frame) => boolean; resolve: (v: { f: Frame; at: number }) => void }[] = [];
	private seq = 0;
	readonly ws: WebSocket;
	constructor(ws: WebSocket) {
		this.ws = ws;
		ws.addEventListener("message", (ev) => {
			const at = performance.now();
			const f = JSON.parse(String(ev.data)) as Frame;
			this.waiters = this.waiters.filter((w) => {
				if (!w.pred(f)) return true;
				w.resolve({ f, at });
				return false;
			});
		});
	}
	static async open(token: string): Promise<Client> {
		const t = await fetch(`${base}/v1/ws/ticket`, {
			method: "POST",
			headers: { Authorization: `Bearer ${token}` },
		});
		const { ticket } = (await t.json()) as { ticket: string };
		const ws = new WebSocket(
			`ws://127.0.0.1:${values.port}/v1/ws?ticket=${encodeURIComponent(ticket)}`,
			"json",
		);
		const c = new Client(ws);
		const hello = c.next((f) => f.type === "hello");
		await new Promise<void>((resolve, reject) => {
			ws.addEventListener("open", () => resolve());
			ws.addEventListener("error", () => reject(new Error("socket failed")));
		});
		await hello;
		return c;
	}
	next(pred: (f: Frame) => boolean, ms = 10_000): Promise<{ f: Frame; at: number }> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error("timed out waiting for a frame")), ms);
			this.waiters.push({
				pred,
				resolve: (v) => {
					clearTimeout(timer);
					resolve(v);
				},
			});
		});
	}
	/** Sends a request; resolves with its reply (throws on an error reply). */
	async request(frame: Omit<Frame, "id">): Promise<Frame> {
		const id = `r${++this.seq}`;
		const reply = this.next((f) => (f.type === "result" || f.type === "error") && f.id === id);
		this.ws.send(JSON.stringify({ ...frame, id }));
		const { f } = await reply;
		if (f.type === "error") throw new Error(`${frame.type}: ${JSON.stringify(f)}`);
		return f;
	}
	send(frame: Omit<Frame, "id">): string {
		const id = `r${++this.seq}`;
		this.ws.send(JSON.stringify({ ...frame, id }));
		return id;
	}
}

const quantile = (xs: number[], q: number) =>
	[...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)] ?? 0;

let wrangler: ChildProcess | undefined;
async function main() {
	console.log(`[bench/calls] ${N} calls over ${PAIRS} caller/callee pairs; state in ${persist}`);
	snapshotHead(repo, snapshot);
	const emails = Array.from({ length: PAIRS * 2 }, (_, i) => `bench-calls-${i}@example.com`);
	for (const email of emails) createAdmin(snapshot, state, email, password);
	wrangler = startWrangler(snapshot, values.port, state);
	await waitFor(`${base}/health`, 120_000);

	const people: { id: string; ws: Client; token: string }[] = [];
	for (const email of emails) {
		const res = await fetch(`${base}/v1/auth/login`, {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ email, password }),
		});
		const body = (await res.json()) as { access_token: string; user?: { id: string } };
		const me = (await (
			await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${body.access_token}` } })
		).json()) as {
			id: string;
		};
		people.push({ id: me.id, ws: await Client.open(body.access_token), token: body.access_token });
	}
	// Only people who share a chat may ring each other: each pair gets its direct chat.
	for (let pair = 0; pair < PAIRS; pair++) {
		const [caller, callee] = [people[pair * 2], people[pair * 2 + 1]];
		const res = await fetch(`${base}/v1/chats/direct`, {
			method: "POST",
			headers: { "Content-Type": "application/json", Authorization: `Bearer ${caller?.token}` },
			body: JSON.stringify({ user: callee?.id }),
		});
		if (!res.ok) throw new Error(`direct chat: ${res.status} ${await res.text()}`);
	}

	const rows: Record<"ping" | "offer" | "answer" | "ice" | "bye" | "setup", number[]> = {
		ping: [],
		offer: [],
		answer: [],
		ice: [],
		bye: [],
		setup: [],
	};
	const candidate = {
		candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host",
		sdpMid: "0",
		sdpMLineIndex: 0,
	};

	/** One call; returns its timings (the first, warm-up call is not recorded). */
	async function call(i: number, record: boolean) {
		const pair = i % PAIRS;
		const caller = people[pair * 2] as { id: string; ws: Client };
		const callee = people[pair * 2 + 1] as { id: string; ws: Client };
		let t0 = performance.now();
		await caller.ws.request({ type: "ping" });
		const ping = performance.now() - t0;

		const rings = callee.ws.next((f) => f.type === "call.offer");
		const answered = caller.ws.next((f) => f.type === "call.answer");
		t0 = performance.now();
		caller.ws.send({ type: "call.offer", callee: callee.id, sdp: SDP });
		const ring = await rings;
		const t1 = performance.now();
		callee.ws.send({ type: "call.answer", call_id: ring.f.call_id, sdp: SDP });
		const ans = await answered;
		const callId = ring.f.call_id as string;

		const iceIn = callee.ws.next((f) => f.type === "call.ice" && f.call_id === callId);
		const t2 = performance.now();
		caller.ws.send({ type: "call.ice", call_id: callId, candidate });
		const ice = await iceIn;

		const byeIn = callee.ws.next((f) => f.type === "call.bye" && f.call_id === callId);
		const t3 = performance.now();
		caller.ws.send({ type: "call.bye", call_id: callId, code: 200 });
		const bye = await byeIn;
		if (!record) return;
		rows.ping.push(ping);
		rows.offer.push(ring.at - t0);
		rows.answer.push(ans.at - t1);
		rows.setup.push(ans.at - t0);
		rows.ice.push(ice.at - t2);
		rows.bye.push(bye.at - t3);
	}

	for (let p = 0; p < PAIRS; p++) await call(p, false);
	for (let i = 0; i < N; i++) await call(i, true);

	const med = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, quantile(v, 0.5)])) as Record<
		keyof typeof rows,
		number
	>;
	const p90 = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, quantile(v, 0.9)])) as Record<
		keyof typeof rows,
		number
	>;
	const floor = med.ping || 1;
	const label: Record<keyof typeof rows, string> = {
		ping: "ping round trip on the caller's socket (baseline)",
		offer: "call.offer sent → callee has call.offer (one way)",
		answer: "call.answer sent → caller has call.answer (one way)",
		ice: "call.ice sent → callee has call.ice (one way)",
		bye: "call.bye sent → callee has call.bye (one way)",
		setup: "call setup: offer sent → caller has the answer",
	};
	const lines = [
		`# Calls signalling bench (${new Date().toISOString()})`,
		"",
		`${N} calls through \`wrangler dev\` on 127.0.0.1 (workerd, local D1 and Durable Objects), json`,
		`transport, sequential, TURN provider coturn (leases minted locally); load average ${loadavg()
			.map((x) => x.toFixed(2))
			.join(" ")}.`,
		"",
		"| step | median ms | p90 ms | median ÷ ping |",
		"| --- | ---: | ---: | ---: |",
		...(Object.keys(rows) as (keyof typeof rows)[]).map(
			(k) => `| ${label[k]} | ${med[k].toFixed(1)} | ${p90[k].toFixed(1)} | ${(med[k] / floor).toFixed(2)} |`,
		),
	];
	console.log(lines.join("\n"));
	mkdirSync(join(repo, "bench/results"), { recursive: true });
	writeFileSync(join(repo, "bench/results/calls.md"), `${lines.join("\n")}\n`);
	writeFileSync(
		join(repo, "bench/results/calls.json"),
		`${JSON.stringify({ at: new Date().toISOString(), n: N, medians: med, p90, raw: rows }, null, 2)}\n`,
	);
	for (const p of people) p.ws.ws.close();
}

runBench(main, { server: () => wrangler, scratch: persist });

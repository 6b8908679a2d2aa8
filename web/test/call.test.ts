/**
 * A WebRTC audio call between two browsers (fake media devices), placed
 * from the web app's Call button, through a local coturn with TURN
 * credentials from the API: both browsers use the web app's
 * `hatch.iceTransportPolicy` = "relay" switch, so each allocates a relay on
 * coturn with its own lease, the only path is relay to relay, and both peer
 * connections' RTP stats show audio bytes flowing each way over their relay
 * candidate; then Ann hangs up.
 *
 * Why relay only: with the default policy, ICE on one machine picks the host
 * pair, and Chromium stops gathering (GATHER_ONCE) as soon as a pair
 * connects. The callee starts gathering last and already knows the caller's
 * candidates, so its host pair can connect before its allocator reaches the
 * relay step: then it never sends an Allocate at all, and "a relay candidate
 * was gathered" is a race rather than a fact about the app.
 */
import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { emailUser } from "../../sdk/test/accounts.ts";
import { startWorker, type WorkerStack } from "../../test/e2e/stack.ts";
import { type CoturnServer, startCoturn } from "../../test-node/turn/coturn-server.ts";
import { buildWeb, launch, shot, signIn } from "./browser.ts";

let worker: WorkerStack;
let coturn: CoturnServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
	buildWeb();
	const secret = randomBytes(24).toString("hex");
	coturn = await startCoturn(secret);
	worker = await startWorker({
		dialerUrl: "http://127.0.0.1:9",
		vars: {
			TURN_PROVIDER: "coturn",
			TURN_SECRET: secret,
			TURN_URLS: `turn:127.0.0.1:${coturn.port}?transport=udp`,
			TURN_TTL_S: "600",
		},
	});
	browser = await launch();
}, 180_000);

afterAll(async () => {
	for (const c of contexts) await c.close().catch(() => {});
	await browser?.close();
	await worker?.stop();
	await coturn?.stop();
});

type Logged = RTCPeerConnection & { log: string[] };

/**
 * A browser whose calls go through TURN only, with every RTCPeerConnection
 * kept on window for the stats, each with a log of its ICE events for the
 * failure message.
 */
async function page(): Promise<Page> {
	const c = await browser.newContext({ viewport: { width: 1000, height: 700 } });
	contexts.push(c);
	await c.addInitScript(() => {
		localStorage.setItem("hatch.iceTransportPolicy", "relay");
		const Original = window.RTCPeerConnection;
		const all: Logged[] = [];
		(window as unknown as { __pcs: Logged[] }).__pcs = all;
		window.RTCPeerConnection = class extends Original {
			log: string[] = [];
			constructor(config?: RTCConfiguration) {
				super(config);
				all.push(this);
				const t0 = performance.now();
				const note = (what: string) => this.log.push(`${Math.round(performance.now() - t0)}ms ${what}`);
				note(`policy ${config?.iceTransportPolicy ?? "all"}`);
				this.addEventListener("icecandidate", (e) => note(`candidate ${e.candidate?.candidate ?? "end"}`));
				this.addEventListener("icecandidateerror", (e) =>
					note(`candidate error ${e.url} ${e.errorCode} ${e.errorText}`),
				);
				this.addEventListener("icegatheringstatechange", () => note(`gathering ${this.iceGatheringState}`));
				this.addEventListener("iceconnectionstatechange", () => note(`ice ${this.iceConnectionState}`));
			}
		} as typeof RTCPeerConnection;
	});
	return c.newPage();
}

/** Audio bytes each way; `relay`: the selected pair is relayed; `local`: the local candidates gathered. */
type Flow = { sent: number; received: number; relay: boolean; local: string[] };

/** Audio bytes out and in on the newest peer connection, and whether the chosen pair is relayed. */
function flow(p: Page): Promise<Flow> {
	return p.evaluate(async () => {
		const pcs = (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs;
		const pc = pcs[pcs.length - 1];
		const out = { sent: 0, received: 0, relay: false, local: [] as string[] };
		if (!pc) return out;
		const stats = await pc.getStats();
		const byId = new Map<string, Record<string, unknown>>();
		stats.forEach((s: Record<string, unknown>) => {
			byId.set(String(s.id), s);
		});
		for (const s of byId.values()) {
			if (s.type === "outbound-rtp" && s.kind === "audio") out.sent += Number(s.bytesSent ?? 0);
			if (s.type === "inbound-rtp" && s.kind === "audio") out.received += Number(s.bytesReceived ?? 0);
			if (s.type === "local-candidate") out.local.push(`${s.candidateType}:${s.address}:${s.port}`);
			if (s.type === "transport" && s.selectedCandidatePairId) {
				const pair = byId.get(String(s.selectedCandidatePairId));
				const local = byId.get(String(pair?.localCandidateId));
				if (local?.candidateType === "relay") out.relay = true;
			}
		}
		return out;
	});
}

async function until(p: Page, ok: (f: Flow) => boolean, what: string): Promise<Flow> {
	const end = Date.now() + 30_000;
	for (;;) {
		const f = await flow(p);
		if (ok(f)) return f;
		if (Date.now() > end) {
			const log = await p.evaluate(() => (window as unknown as { __pcs: Logged[] }).__pcs.at(-1)?.log ?? []);
			throw new Error(`timed out waiting for ${what}: ${JSON.stringify(f)}\n${log.join("\n")}`);
		}
		await p.waitForTimeout(250);
	}
}

describe("calls in the web app", () => {
	it("Ann calls Bob with TURN from the API: ringing, answer, audio both ways, hang up", async () => {
		const ann = await emailUser(worker.url);
		const bob = await emailUser(worker.url);
		const a = await page();
		const b = await page();
		await signIn(a, worker.url, ann.email, ann.password);
		await signIn(b, worker.url, bob.email, bob.password);
		await a.getByLabel("User id or username").fill(bob.id);
		await a.getByRole("button", { name: "Start chat" }).click();

		await a.getByRole("button", { name: "Call", exact: true }).click();
		await b.getByText(/Incoming call from/).waitFor({ timeout: 15_000 });
		await a
			.getByTestId("call-phase")
			.filter({ hasText: /Ringing|In call/ })
			.waitFor({ timeout: 15_000 });
		await b.getByRole("button", { name: "Answer" }).click();
		await a.getByTestId("call-phase").filter({ hasText: "In call with" }).waitFor({ timeout: 30_000 });

		// Both sides allocated a relay on coturn with the API's credentials, gathered nothing else,
		// and audio flows both ways on a pair whose local end is that relay.
		const relayed = (f: Flow) =>
			f.sent > 2000 &&
			f.received > 2000 &&
			f.relay &&
			f.local.length > 0 &&
			f.local.every((c) => c.startsWith("relay:127.0.0.1:"));
		await until(a, relayed, "Ann's audio both ways and her relay on coturn");
		await until(b, relayed, "Bob's audio both ways and his relay on coturn");
		await shot(a, "call");

		await a.getByRole("button", { name: "Hang up" }).click();
		await b.getByText(/Hung up|Call ended/).waitFor({ timeout: 15_000 });
		await a.getByRole("button", { name: "Call", exact: true }).and(a.locator(":enabled")).waitFor();
	});
});

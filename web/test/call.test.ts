/**
 * A WebRTC audio call between two browsers (fake media devices), placed
 * from the web app's Call button, with a local coturn and TURN credentials
 * from the API: both peers allocate a relay on it, both peer connections'
 * RTP stats show audio bytes flowing each way, then Ann hangs up.
 * Not yet: forcing the media through the relay (iceTransportPolicy
 * "relay", the web app's `hatch.iceTransportPolicy` switch) did not connect
 * relay-to-relay on loopback here.
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
	coturn = await startCoturn(secret, { listen: 8884 });
	worker = await startWorker({
		dialerUrl: "http://127.0.0.1:9",
		port: 8885,
		inspectorPort: 8886,
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

/** A browser with every RTCPeerConnection kept on window, for the stats. */
async function page(): Promise<Page> {
	const c = await browser.newContext({ viewport: { width: 1000, height: 700 } });
	contexts.push(c);
	await c.addInitScript(() => {
		const Original = window.RTCPeerConnection;
		const all: RTCPeerConnection[] = [];
		(window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all;
		window.RTCPeerConnection = class extends Original {
			constructor(config?: RTCConfiguration) {
				super(config);
				all.push(this);
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
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(f)}`);
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

		// Both sides allocated a relay on coturn with the API's credentials, and audio flows both ways.
		// (ICE picks the cheapest working pair: on one machine that is the host pair, not the relay.)
		const flowing = (f: Flow) => f.sent > 2000 && f.received > 2000;
		// A relay candidate may be gathered after audio already flows on the host pair: wait for it too.
		const relayed = (f: Flow) => flowing(f) && f.local.some((c) => c.startsWith("relay:127.0.0.1:"));
		await until(a, relayed, "Ann's audio both ways and her relay on coturn");
		await until(b, relayed, "Bob's audio both ways and his relay on coturn");
		await shot(a, "call");

		await a.getByRole("button", { name: "Hang up" }).click();
		await b.getByText(/Hung up|Call ended/).waitFor({ timeout: 15_000 });
		await a.getByRole("button", { name: "Call", exact: true }).and(a.locator(":enabled")).waitFor();
	});
});

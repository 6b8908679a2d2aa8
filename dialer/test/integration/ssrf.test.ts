/**
 * Issue 13 item 1, the dialer's half, on real sockets: a trunk name that
 * resolves to a denied address gets nothing (UDP or TCP); a resolver that
 * answers an allowed address first and a denied one after (DNS rebinding)
 * never makes the dialer send to the denied one, whatever the far end puts in
 * its Contact; and socket errors never reach events or the call's record.
 *
 * "Nothing arrived" is shown with a marker: after the refusal, the test sends
 * its own datagram or connection to the victim, and it must be the first.
 */
import dgram from "node:dgram";
import net from "node:net";
import { buildWav } from "@hatch/shared/audio/wav";
import { DEFAULT_HOST_DENY } from "@hatch/shared/host-policy";
import { afterEach, describe, expect, it } from "vitest";
import type { CallEvent } from "../../src/call/types.ts";
import { createLogger } from "../../src/log.ts";
import { SipAgent } from "../../src/sip/agent.ts";
import type { Lookup } from "../../src/sip/destination.ts";
import { header, type SipRequest } from "../../src/sip/message.ts";
import { UacCall } from "../../src/sip/uac.ts";
import { type Json, postCall, startDialer, TEST_DENY, type TestDialer, waitFor } from "../helpers.ts";
import { openPeer, type Peer } from "../unit/sip-peer.ts";

const inline = Buffer.from(buildWav(new Int16Array(800).fill(500), 8000)).toString("base64");
const closers: Array<() => unknown> = [];
afterEach(async () => {
	for (const c of closers.splice(0).reverse()) await c();
});

/** A UDP socket on `host:port` that records what arrives. */
async function udpVictim(host: string, port = 0) {
	const sock = dgram.createSocket("udp4");
	const got: string[] = [];
	sock.on("message", (m) => got.push(m.toString("latin1")));
	await new Promise<void>((r) => sock.bind(port, host, () => r()));
	closers.push(() => new Promise<void>((r) => sock.close(() => r())));
	return { port: sock.address().port, got };
}

/** Our own datagram to the victim, sent after the action: it must be the first thing it got. */
async function firstIsMarker(victim: { port: number; got: string[] }, host: string) {
	const s = dgram.createSocket("udp4");
	await new Promise<void>((r) => s.send("MARKER", victim.port, host, () => r()));
	s.close();
	await waitFor(() => victim.got.length > 0, 3000, "the marker");
	expect(victim.got[0]).toBe("MARKER");
}

function finalOf(t: TestDialer, callId: string): Promise<CallEvent> {
	const finals = new Set(["completed", "busy", "no_answer", "failed", "canceled"]);
	return waitFor(
		() => t.events.find((e) => e.call_id === callId && finals.has(e.type)),
		10_000,
		"final event",
	);
}

describe("a trunk name that resolves to a denied address", () => {
	it("hostile: UDP — the call fails with a fixed reason and nothing reaches the address", async () => {
		const victim = await udpVictim("127.0.0.1");
		const lookups: string[] = [];
		const lookup: Lookup = async (host) => {
			lookups.push(host);
			return ["127.0.0.1"];
		};
		const t = await startDialer({}, lookup);
		closers.push(() => t.stop());
		const res = await postCall(t, {
			call_id: "evil-udp",
			to: "5550100",
			trunk: { host: "gw.evil.example", port: victim.port },
			audio: { inline },
			host_deny: DEFAULT_HOST_DENY, // production: loopback denied
		});
		expect(res.status).toBe(201);
		const ev = await finalOf(t, "evil-udp");
		expect(ev).toMatchObject({ type: "failed", sip_code: 0, reason: "gateway address not allowed" });
		expect(lookups).toEqual(["gw.evil.example"]);
		await firstIsMarker(victim, "127.0.0.1");
	});

	it("hostile: TCP — no connection is opened to it", async () => {
		const accepted: number[] = [];
		const server = net.createServer((s) => {
			accepted.push(s.remotePort ?? 0);
			s.destroy();
		});
		await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
		closers.push(() => new Promise<void>((r) => server.close(() => r())));
		const port = (server.address() as net.AddressInfo).port;
		const t = await startDialer({}, async () => ["::1", "127.0.0.1"]);
		closers.push(() => t.stop());
		await postCall(t, {
			call_id: "evil-tcp",
			to: "5550100",
			trunk: { host: "gw.evil.example", port, transport: "tcp" },
			audio: { inline },
			host_deny: DEFAULT_HOST_DENY,
		});
		expect(await finalOf(t, "evil-tcp")).toMatchObject({
			type: "failed",
			reason: "gateway address not allowed",
		});
		const marker = net.connect(port, "127.0.0.1");
		await new Promise((r) => marker.once("connect", r));
		const markerPort = marker.localPort;
		marker.destroy();
		await waitFor(() => accepted.length > 0, 3000, "the marker connection");
		expect(accepted[0]).toBe(markerPort);
	});
});

describe("DNS rebinding", () => {
	it("hostile: the address checked is the address sent to — a later answer of a denied address is never used", async () => {
		// The far end, on the address the first lookup answers (allowed by this list)…
		const log = createLogger("silent");
		let lookups = 0;
		// …and every later lookup answers 127.0.0.2, which this list denies (the "private" side).
		const lookup: Lookup = async () => (++lookups === 1 ? ["127.0.0.1"] : ["127.0.0.2"]);
		const agent = new SipAgent({
			bindHost: "127.0.0.1",
			port: 0,
			publicHost: "127.0.0.1",
			timers: { t1: 20, t2: 80 },
			log,
			lookup,
		});
		await agent.start();
		closers.push(() => agent.close());
		const peer: Peer = await openPeer(agent.port);
		closers.push(() => peer.close());
		const victim = await udpVictim("127.0.0.2", peer.port);
		const seen: string[] = [];
		const call = new UacCall(
			agent,
			{
				host: "gw.rebind.example",
				port: peer.port,
				transport: "udp",
				username: "alice",
				password: "pw",
				deny: `${TEST_DENY},127.0.0.2/32`,
			},
			"1555",
			{
				provisional: () => {},
				answered: () => seen.push("answered"),
				failed: (s, r) => seen.push(`failed ${s} ${r}`),
				remoteBye: () => {},
				reoffer: () => "",
			},
		);
		call.start("v=0\r\n");
		const isRequest = (m: string) => (r: { msg: { kind: string } }) =>
			r.msg.kind === "request" && (r.msg as SipRequest).method === m;
		const reply = (req: SipRequest, first: string, extra: string[] = []) => {
			const copy = (name: string) => `${name}: ${header(req, name)}`;
			peer.send(
				[first, copy("via"), copy("from"), `To: ${header(req, "to")};tag=gw1`, copy("call-id"), copy("cseq")]
					.concat(extra, ["Content-Length: 0", "", ""])
					.join("\r\n"),
			);
		};
		// A challenge: the authenticated INVITE must go where the first did, with no second lookup.
		const invite = (await peer.next(isRequest("INVITE"))).msg as SipRequest;
		reply(invite, "SIP/2.0 401 Unauthorized", ['WWW-Authenticate: Digest realm="gw", nonce="n1"']);
		const authed = (
			await peer.next((r) => isRequest("INVITE")(r) && header(r.msg, "authorization") !== undefined)
		).msg as SipRequest;
		// The answer names another host that rebinds to the denied address for the ACK and BYE.
		reply(authed, "SIP/2.0 200 OK", ["Contact: <sip:uas@edge.rebind.example:@PORT@>"]);
		// The 2xx's own ACK (the 401's has the first INVITE's CSeq).
		const cseq = header(authed, "cseq")?.replace("INVITE", "ACK");
		await peer.next((r) => isRequest("ACK")(r) && header(r.msg, "cseq") === cseq);
		expect(seen).toEqual(["answered"]);
		call.bye();
		await peer.next(isRequest("BYE"));
		expect(lookups).toBe(2); // the trunk once, the Contact's name once; never the trunk again
		await firstIsMarker(victim, "127.0.0.2");
	});
});

/**
 * A SIP-over-TCP far end on `host`: it answers an INVITE with a 200 whose
 * Contact names the gateway by its name, and drops the connection once the
 * ACK is in, so the BYE needs a new one. Records each request with the
 * connection it came on.
 */
async function tcpGatewayThatHangsUp(host: string) {
	const requests: string[] = [];
	let conns = 0;
	let dropped: () => void = () => {};
	const hungUp = new Promise<void>((r) => {
		dropped = r;
	});
	const server = net.createServer((s) => {
		const conn = ++conns;
		let buf = "";
		s.on("error", () => {});
		s.on("close", () => dropped());
		s.on("data", (d) => {
			buf += d.toString("latin1");
			for (;;) {
				const end = buf.indexOf("\r\n\r\n");
				if (end < 0) return;
				const head = buf.slice(0, end);
				const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
				if (buf.length < end + 4 + length) return;
				buf = buf.slice(end + 4 + length);
				const method = head.slice(0, head.indexOf(" "));
				requests.push(`${method} on ${conn}`);
				const h = (name: string) => new RegExp(`\r\n(${name}:[^\r]*)`, "i").exec(head)?.[1] ?? "";
				const reply = (extra: string[]) =>
					s.write(
						["SIP/2.0 200 OK", h("via"), h("from"), `${h("to")};tag=gw1`, h("call-id"), h("cseq")]
							.concat(extra, ["Content-Length: 0", "", ""])
							.join("\r\n"),
					);
				const port = (server.address() as net.AddressInfo).port;
				if (method === "INVITE") reply([`Contact: <sip:uas@gw.rebind.example:${port};transport=tcp>`]);
				if (method === "BYE") reply([]);
				if (method === "ACK") s.destroy();
			}
		});
	});
	await new Promise<void>((r) => server.listen(0, host, () => r()));
	closers.push(() => new Promise<void>((r) => server.close(() => r())));
	return { port: (server.address() as net.AddressInfo).port, requests, hungUp };
}

describe("DNS rebinding over TCP", () => {
	it("hostile: a new connection after the gateway hung up goes to the address checked, never to a later answer", async () => {
		const gateway = await tcpGatewayThatHangsUp("127.0.0.1");
		// The denied twin on 127.0.0.2, same port: it must only ever see the test's marker.
		const accepted: number[] = [];
		const twin = net.createServer((s) => {
			accepted.push(s.remotePort ?? 0);
			s.destroy();
		});
		await new Promise<void>((r) => twin.listen(gateway.port, "127.0.0.2", () => r()));
		closers.push(() => new Promise<void>((r) => twin.close(() => r())));
		let lookups = 0;
		const lookup: Lookup = async () => (++lookups === 1 ? ["127.0.0.1"] : ["127.0.0.2"]);
		const agent = new SipAgent({
			bindHost: "127.0.0.1",
			port: 0,
			publicHost: "127.0.0.1",
			timers: { t1: 20, t2: 80 },
			log: createLogger("silent"),
			lookup,
		});
		await agent.start();
		closers.push(() => agent.close());
		const seen: string[] = [];
		const call = new UacCall(
			agent,
			{ host: "gw.rebind.example", port: gateway.port, transport: "tcp", deny: `${TEST_DENY},127.0.0.2/32` },
			"1555",
			{
				provisional: () => {},
				answered: () => seen.push("answered"),
				failed: (st, r) => seen.push(`failed ${st} ${r}`),
				remoteBye: () => {},
				reoffer: () => "",
			},
		);
		call.start("v=0\r\n");
		await gateway.hungUp;
		expect(seen).toEqual(["answered"]);
		// Let the dialer see the connection close (loopback: well within this), then hang up.
		await new Promise((r) => setTimeout(r, 100));
		call.bye();
		await waitFor(() => gateway.requests.includes("BYE on 2"), 5000, "the BYE on a new connection");
		expect(gateway.requests).toEqual(["INVITE on 1", "ACK on 1", "BYE on 2"]);
		expect(lookups).toBe(1);
		const marker = net.connect(gateway.port, "127.0.0.2");
		marker.on("error", () => {});
		await new Promise((r) => marker.once("connect", r));
		const markerPort = marker.localPort;
		marker.destroy();
		await waitFor(() => accepted.length > 0, 3000, "the marker connection");
		expect(accepted).toEqual([markerPort]);
	});
});

describe("socket errors stay in the logs", () => {
	it("a refused TCP connection is 'gateway unreachable' in the event and GET /calls/:id", async () => {
		const closed = net.createServer();
		await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
		const port = (closed.address() as net.AddressInfo).port;
		await new Promise<void>((r) => closed.close(() => r())); // nothing listens there now
		const t = await startDialer();
		closers.push(() => t.stop());
		await postCall(t, {
			call_id: "refused-tcp",
			to: "5550100",
			trunk: { host: "127.0.0.1", port, transport: "tcp" },
			audio: { inline },
		});
		const ev = await finalOf(t, "refused-tcp");
		expect(ev).toMatchObject({ type: "failed", sip_code: 0, reason: "gateway unreachable" });
		const view = (await (
			await fetch(`${t.base}/calls/refused-tcp`, { headers: { authorization: `Bearer ${t.token}` } })
		).json()) as Json;
		expect(view).toMatchObject({ state: "failed", sip_code: 0, reason: "gateway unreachable" });
		const all = JSON.stringify([view, t.events.filter((e) => e.call_id === "refused-tcp")]);
		expect(all).not.toMatch(/ECONN|127\.0\.0\.1:\d/);
	});
});

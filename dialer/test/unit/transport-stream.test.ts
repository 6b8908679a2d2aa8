/**
 * SIP over a TCP stream from a far end, against the real transport on
 * loopback: pipelined messages all delivered without waiting for more bytes
 * and without holding the event loop, RFC 5626 keep-alives answered, and
 * garbage or oversized input costing only that connection.
 */
import net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SipMessage } from "../../src/sip/message.ts";
import { MAX_MESSAGE_BYTES } from "../../src/sip/parser.ts";
import { SipTransport, STREAM_MESSAGES_PER_TURN } from "../../src/sip/transport.ts";
import { quietLog } from "./sip-peer.ts";

let transport: SipTransport;
let log: ReturnType<typeof quietLog>;
let got: Array<{ msg: SipMessage; turn: number }>;
let turn = 0;
let spinning = true;
const spin = () => {
	// Counts event-loop turns, so a test can see work spread over several.
	turn++;
	if (spinning) setImmediate(spin);
};

beforeEach(async () => {
	log = quietLog();
	transport = new SipTransport({ bindHost: "127.0.0.1", port: 0, log });
	got = [];
	transport.events = { message: (msg) => got.push({ msg, turn }), error() {} };
	await transport.start();
	spinning = true;
	spin();
});
afterEach(() => {
	spinning = false;
	transport.close();
});

const options = (i: number, body = "") =>
	`OPTIONS sip:hatch@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKp${i}\r\nFrom: <sip:gw@127.0.0.1>;tag=f${i}\r\nTo: <sip:hatch@127.0.0.1>\r\nCall-ID: c${i}\r\nCSeq: ${i} OPTIONS\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

/** A TCP client with everything it has read, and whether the far side closed. */
async function connect() {
	const sock = net.connect(transport.port, "127.0.0.1");
	await new Promise<void>((r) => sock.once("connect", () => r()));
	const state = { read: "", closed: false };
	sock.on("data", (b) => {
		state.read += b.toString("latin1");
	});
	sock.on("close", () => {
		state.closed = true;
	});
	sock.on("error", () => {});
	return { sock, state };
}

async function until(pred: () => boolean, ms = 3000, what = "condition"): Promise<void> {
	const end = Date.now() + ms;
	while (!pred()) {
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 5));
	}
}

describe("pipelined messages", () => {
	it("delivers all of 1,000 messages written at once, in order, over several event-loop turns", async () => {
		const { sock } = await connect();
		sock.write(Array.from({ length: 1000 }, (_, i) => options(i + 1, i % 3 ? "" : "x=1")).join(""));
		// Nothing more is written: the rest must not wait for another data event.
		await until(() => got.length === 1000, 5000, "1,000 messages");
		expect(
			got.map((g) => g.msg.kind === "request" && g.msg.headers.find((h) => h[0] === "cseq")?.[1]),
		).toEqual(Array.from({ length: 1000 }, (_, i) => `${i + 1} OPTIONS`));
		// Bounded per turn: other work (the spinner) ran between batches. A turn's
		// poll phase and check phase may both drain, hence two batches at most.
		const perTurn = new Map<number, number>();
		for (const g of got) perTurn.set(g.turn, (perTurn.get(g.turn) ?? 0) + 1);
		expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(2 * STREAM_MESSAGES_PER_TURN);
		expect(perTurn.size).toBeGreaterThanOrEqual(1000 / (2 * STREAM_MESSAGES_PER_TURN));
		sock.destroy();
	});

	it("keeps the event loop responsive under a sustained flood and still delivers everything", async () => {
		const { sock } = await connect();
		let worst = 0;
		let last = performance.now();
		const lag = setInterval(() => {
			const now = performance.now();
			worst = Math.max(worst, now - last);
			last = now;
		}, 2);
		const total = 20_000;
		const batch = Array.from({ length: 500 }, (_, i) => options(i + 1)).join("");
		for (let i = 0; i < total / 500; i++) sock.write(batch);
		await until(() => got.length === total, 20_000, "the flood");
		clearInterval(lag);
		expect(worst).toBeLessThan(250); // a 2 ms timer never starved for long
		sock.destroy();
	});
});

describe("RFC 5626 keep-alive", () => {
	it("answers CRLF CRLF with one CRLF, also when it arrives split, and a message after it still parses", async () => {
		const { sock, state } = await connect();
		sock.write("\r\n\r\n");
		await until(() => state.read === "\r\n", 2000, "pong");
		sock.write("\r\n");
		await new Promise((r) => setTimeout(r, 30));
		sock.write("\r\n");
		await until(() => state.read === "\r\n\r\n", 2000, "second pong");
		sock.write(`\r\n\r\n${options(1)}`);
		await until(() => got.length === 1, 2000, "message after ping");
		expect(state.read).toBe("\r\n\r\n\r\n");
		sock.destroy();
	});

	it("sends nothing for a lone CRLF, and drops a flood of bare line feeds without growing", async () => {
		const { sock, state } = await connect();
		sock.write(`\r\n${options(1)}`);
		await until(() => got.length === 1, 2000, "message");
		sock.write("\n".repeat(200_000));
		sock.write(options(2));
		await until(() => got.length === 2, 3000, "message after line feeds");
		expect(state.read).toBe("");
		expect(state.closed).toBe(false);
		sock.destroy();
	});
});

describe("hostile streams", () => {
	it("closes a connection that sends garbage, after what was valid before it, and keeps serving others", async () => {
		const bad = await connect();
		bad.sock.write(`${options(1)}\u0000\u00ffGARBAGE not sip at all\r\n\r\n`);
		await until(() => bad.state.closed, 2000, "garbage connection closed");
		expect(got).toHaveLength(1);
		const good = await connect();
		good.sock.write(options(2));
		await until(() => got.length === 2, 2000, "the next connection");
		good.sock.destroy();
	});

	it("closes a connection whose message outgrows the limit, headers or Content-Length", async () => {
		const huge = await connect();
		huge.sock.write(`OPTIONS sip:hatch@127.0.0.1 SIP/2.0\r\nX-Pad: ${"a".repeat(MAX_MESSAGE_BYTES + 10)}`);
		await until(() => huge.state.closed, 3000, "oversized headers closed");
		const big = await connect();
		big.sock.write(options(1).replace("Content-Length: 0", `Content-Length: ${MAX_MESSAGE_BYTES}`));
		await until(() => big.state.closed, 3000, "oversized body closed");
		const mid = await connect(); // a body still on its way is waited for
		mid.sock.write(`${options(2).replace("Content-Length: 0", "Content-Length: 100")}${"y".repeat(50)}`);
		await new Promise((r) => setTimeout(r, 100));
		expect([mid.state.closed, got.length]).toEqual([false, 0]);
		mid.sock.write("y".repeat(50));
		await until(() => got.length === 1, 3000, "the completed body");
		expect(got[0].msg.body).toBe("y".repeat(100));
		expect(log.warnings.filter((w) => w === "sip stream message dropped").length).toBeGreaterThanOrEqual(2);
	});
});

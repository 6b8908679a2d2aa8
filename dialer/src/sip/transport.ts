/**
 * SIP transports: one UDP socket (and a TCP listener on the same port) plus
 * outgoing TCP/TLS connections pooled per destination. Inbound bytes are parsed
 * here; whatever fails to parse is logged and dropped (on a stream, with the
 * connection: it cannot resynchronise). Stream keep-alive pings are answered here.
 */
import dgram from "node:dgram";
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "../log.ts";
import type { SipMessage } from "./message.ts";
import { MAX_MESSAGE_BYTES, parseMessage } from "./parser.ts";

/** Transport protocol names as the control API spells them. */
export type TransportName = "udp" | "tcp" | "tls";

/**
 * Where a message goes to or came from. `host` is always an IP address: names
 * are resolved and judged once, by destination.ts, never here.
 */
export interface Endpoint {
	host: string;
	port: number;
	transport: TransportName;
	/** The name `host` was resolved from, if any: TLS checks the certificate against it. */
	name?: string;
}

/** Handlers the transaction layer installs. */
export interface TransportEvents {
	message(msg: SipMessage, source: Endpoint): void;
	error(dest: Endpoint, err: Error): void;
}

interface Conn {
	socket: net.Socket;
	buffer: Buffer;
	ready: boolean;
	queue: Buffer[];
	/** A drain is scheduled for the next turn; the socket is paused until it has caught up. */
	draining: boolean;
}

/** Messages (and pings) one connection may deliver per event-loop turn before yielding. */
export const STREAM_MESSAGES_PER_TURN = 64;
const PING = Buffer.from("\r\n\r\n");
const PONG = Buffer.from("\r\n");

/** Options for {@link SipTransport}. */
export interface TransportOptions {
	bindHost: string;
	port: number;
	log: Logger;
	tlsRejectUnauthorized?: boolean;
}

/** Sends and receives SIP messages over UDP, TCP and TLS. */
export class SipTransport {
	private udp?: dgram.Socket;
	private server?: net.Server;
	private conns = new Map<string, Conn>();
	private readonly opts: TransportOptions;
	events: TransportEvents = { message() {}, error() {} };
	port = 0;

	constructor(opts: TransportOptions) {
		this.opts = opts;
	}

	/** Bind the UDP socket and the TCP listener. */
	async start(): Promise<void> {
		const udp = dgram.createSocket({ type: "udp4", reuseAddr: false });
		udp.on("message", (buf, rinfo) =>
			this.receive(buf, { host: rinfo.address, port: rinfo.port, transport: "udp" }),
		);
		udp.on("error", (err) => this.opts.log.warn("sip udp socket error", { err: err.message }));
		await new Promise<void>((resolve, reject) => {
			udp.once("error", reject);
			udp.bind(this.opts.port, this.opts.bindHost, () => {
				udp.off("error", reject);
				resolve();
			});
		});
		this.udp = udp;
		this.port = udp.address().port;
		// A TCP listener on the same port lets a far end open its own connection for BYE.
		const server = net.createServer((socket) => {
			const ep: Endpoint = {
				host: socket.remoteAddress ?? "",
				port: socket.remotePort ?? 0,
				transport: "tcp",
			};
			this.adopt(key(ep), socket, ep, true);
		});
		await new Promise<void>((resolve) => {
			server.once("error", (err) => {
				this.opts.log.warn("sip tcp listener unavailable", { err: err.message });
				resolve();
			});
			server.listen(this.port, this.opts.bindHost, () => resolve());
		});
		this.server = server;
	}

	/**
	 * Send serialized bytes; failures are reported through `events.error`. A
	 * destination that is not an IP address is refused, never looked up: the
	 * address sent to must be the one the deny list judged.
	 */
	send(dest: Endpoint, bytes: Buffer): void {
		if (net.isIP(dest.host) === 0) {
			this.opts.log.error("sip send to an unresolved destination refused", { host: dest.host.slice(0, 64) });
			queueMicrotask(() => this.events.error(dest, new Error("unresolved destination")));
			return;
		}
		if (dest.transport === "udp") {
			if (!this.udp) return;
			this.udp.send(bytes, dest.port, dest.host, (err) => {
				if (err) this.events.error(dest, err);
			});
			return;
		}
		const k = key(dest);
		let conn = this.conns.get(k);
		if (!conn || conn.socket.destroyed) conn = this.connect(dest);
		if (conn.ready) conn.socket.write(bytes);
		else if (conn.queue.length < 256) conn.queue.push(bytes);
	}

	private connect(dest: Endpoint): Conn {
		const socket =
			dest.transport === "tls"
				? tls.connect({
						host: dest.host,
						port: dest.port,
						servername: dest.name,
						rejectUnauthorized: this.opts.tlsRejectUnauthorized ?? true,
					})
				: net.connect({ host: dest.host, port: dest.port });
		return this.adopt(key(dest), socket, dest, false);
	}

	private adopt(k: string, socket: net.Socket, ep: Endpoint, ready: boolean): Conn {
		const conn: Conn = { socket, buffer: Buffer.alloc(0), ready, queue: [], draining: false };
		this.conns.set(k, conn);
		socket.setNoDelay(true);
		socket.once(ep.transport === "tls" ? "secureConnect" : "connect", () => {
			conn.ready = true;
			for (const b of conn.queue) socket.write(b);
			conn.queue = [];
		});
		socket.on("data", (chunk: Buffer) => this.streamData(conn, chunk, ep));
		socket.on("error", (err) => {
			this.opts.log.warn("sip stream error", { dest: k, err: err.message });
			this.events.error(ep, err);
		});
		socket.on("close", () => {
			if (this.conns.get(k) === conn) this.conns.delete(k);
		});
		return conn;
	}

	private streamData(conn: Conn, chunk: Buffer, ep: Endpoint): void {
		conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk;
		if (!conn.draining) this.drain(conn, ep);
	}

	/**
	 * Deliver every complete message in the connection's buffer, at most
	 * {@link STREAM_MESSAGES_PER_TURN} per turn: a peer that pipelines thousands
	 * shares the event loop with every other call, and what is left is taken up
	 * on the next turn (setImmediate) rather than waiting for more bytes that
	 * may never come. Meanwhile the socket is paused, so a flood cannot grow the
	 * buffer faster than we parse it.
	 */
	private drain(conn: Conn, ep: Endpoint): void {
		conn.draining = false;
		for (let i = 0; i < STREAM_MESSAGES_PER_TURN; i++) {
			if (conn.socket.destroyed) return;
			const ka = this.keepAlive(conn);
			if (ka === "ping") continue;
			if (ka === "wait" || conn.buffer.length === 0) return;
			const r = parseMessage(conn.buffer, true);
			if (r.ok) {
				conn.buffer = conn.buffer.subarray(r.consumed);
				this.deliver(r.message, ep);
				continue;
			}
			if (r.incomplete && conn.buffer.length <= MAX_MESSAGE_BYTES) return;
			// A stream cannot resynchronise after garbage: drop the connection.
			this.opts.log.warn("sip stream message dropped", { from: `${ep.host}:${ep.port}`, error: r.error });
			conn.socket.destroy();
			return;
		}
		conn.draining = true;
		conn.socket.pause();
		setImmediate(() => {
			if (conn.socket.destroyed) return;
			this.drain(conn, ep);
			if (!conn.draining) conn.socket.resume();
		});
	}

	/**
	 * Line breaks at a message boundary: CRLF CRLF is an RFC 5626 §4.4.1 ping,
	 * answered at once with one CRLF ("ping"); the first bytes of one at the end
	 * of the buffer wait for the rest ("wait"); other stray line breaks are
	 * dropped so they never pile up.
	 */
	private keepAlive(conn: Conn): "ping" | "wait" | "none" {
		const buf = conn.buffer;
		let n = 0;
		while (n < buf.length && (buf[n] === 0x0d || buf[n] === 0x0a)) n++;
		if (n === 0) return "none";
		for (let i = 0; i < n; i++) {
			const rest = buf.subarray(i, i + 4);
			if (rest.length === 4 && rest.equals(PING)) {
				conn.buffer = buf.subarray(i + 4);
				conn.socket.write(PONG);
				return "ping";
			}
			if (i + rest.length === buf.length && PING.subarray(0, rest.length).equals(rest)) {
				conn.buffer = buf.subarray(i);
				return "wait";
			}
		}
		conn.buffer = buf.subarray(n);
		return "none";
	}

	private receive(buf: Buffer, source: Endpoint): void {
		if (buf.length > MAX_MESSAGE_BYTES) return;
		// Keep-alive pings (CRLF) are expected and silent.
		if (buf.length <= 4 && buf.every((b) => b === 0x0d || b === 0x0a)) return;
		const r = parseMessage(buf);
		if (!r.ok) {
			this.opts.log.warn("sip message dropped", {
				from: `${source.host}:${source.port}`,
				error: r.error,
				bytes: buf.length,
			});
			return;
		}
		this.deliver(r.message, source);
	}

	private deliver(msg: SipMessage, source: Endpoint): void {
		try {
			this.events.message(msg, source);
		} catch (err) {
			this.opts.log.error("sip handler failed", { err: (err as Error).stack });
		}
	}

	/** Close every socket. */
	close(): void {
		this.udp?.close();
		this.server?.close();
		for (const c of this.conns.values()) c.socket.destroy();
		this.conns.clear();
	}
}

function key(e: Endpoint): string {
	// A TLS connection is to a name (its certificate), so two names on one address are two connections.
	return e.transport === "tls" && e.name
		? `tls:${e.name}@${e.host}:${e.port}`
		: `${e.transport}:${e.host}:${e.port}`;
}

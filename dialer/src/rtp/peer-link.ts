/**
 * Where a call's RTP goes and whose RTP counts: the session's port, the far
 * end's address from SDP, and symmetric RTP (RFC 4961) latching onto the far
 * end's real source. Owns the socket we advertised and, until we latch, a
 * connected sibling on the same port; says which socket sends (and its fd for
 * the native sender). What the packets carry is the session's business.
 */
import dgram from "node:dgram";
import { isIPv4 } from "node:net";
import { type NativeSend, socketFd } from "./native-send.ts";
import { NO_ROUTE, type Route } from "./native-streams.ts";

type Address = { host: string; port: number };
type Receiver = (buf: Buffer, rinfo: dgram.RemoteInfo) => void;

/** One session's sockets and far end. */
export class PeerLink {
	readonly port: number;
	private readonly socket: dgram.Socket;
	private readonly native?: NativeSend;
	private readonly onPacket: Receiver;
	/** Where packets go: the SDP's address until we latch, then the far end's real source. */
	remote?: Address;
	/** The address the last SDP (answer or re-offer) gave. */
	sdpRemote?: Address;
	latched = false;
	/** The socket that sends without an address (connected), once there is one, and its checked fd. */
	private out?: dgram.Socket;
	outFd?: number;
	/** A second socket on our port, connected to the SDP address until we latch. */
	private sibling?: dgram.Socket;
	private closed = false;
	/** Told whenever {@link route} may have changed (a native stream follows it). */
	private readonly onRoute?: () => void;
	/** The fd of our own socket (unconnected until latched), once looked up. */
	private ownFd?: number;

	constructor(
		socket: dgram.Socket,
		port: number,
		onPacket: Receiver,
		native?: NativeSend,
		onRoute?: () => void,
	) {
		this.socket = socket;
		this.port = port;
		this.onPacket = onPacket;
		this.native = native;
		this.onRoute = onRoute;
		socket.on("message", onPacket);
		socket.on("error", () => {});
	}

	/**
	 * Aim at the SDP's address. The same address again (hold, resume) keeps a
	 * latch; another one (the far end moved its media, RFC 3264 §8.3.1) drops it,
	 * to be learnt again from there.
	 */
	setRemote(host: string, port: number): void {
		if (this.sdpRemote?.host === host && this.sdpRemote.port === port) return;
		this.sdpRemote = { host, port };
		if (this.latched) this.unlatch();
		this.remote = { host, port };
		this.connectSibling(host, port);
		this.onRoute?.();
	}

	/**
	 * Where the native sender sends from now: the connected socket, else our own
	 * socket with the far end's address ({@link NO_ROUTE} before there is one);
	 * undefined when our socket's fd cannot be had (the packets go through dgram).
	 */
	route(): Route | undefined {
		if (!this.native) return undefined;
		this.ownFd ??= socketFd(this.native, this.socket, this.port) ?? -1;
		if (this.ownFd < 0) return undefined;
		if (this.outFd !== undefined) return { fd: this.outFd, host: "", port: 0 };
		const r = this.remote;
		if (!r || !isIPv4(r.host)) return NO_ROUTE;
		return { fd: this.ownFd, host: r.host, port: r.port };
	}

	/** Whether a packet from `rinfo` may be the far end's (after latching: only the latched source). */
	accepts(rinfo: dgram.RemoteInfo): boolean {
		return !this.latched || (rinfo.address === this.remote?.host && rinfo.port === this.remote.port);
	}

	/** Symmetric RTP: the far end's real source beats what its SDP claimed (NAT). */
	latch(host: string, port: number): void {
		this.latched = true;
		const s = this.sibling;
		if (s && this.remote?.host === host && this.remote.port === port) {
			// The far end sends from its SDP address: the sibling is already connected to it.
			this.useOut(s);
			return;
		}
		this.dropSibling();
		this.remote = { host, port };
		this.onRoute?.();
		// Connecting is what latching means at the socket level: from now on the
		// kernel only passes this peer's packets and sends need no address.
		this.socket.connect(port, host, () => {
			if (this.latched && this.remote?.host === host && this.remote.port === port) this.useOut(this.socket);
			else if (!this.closed) this.socket.disconnect(); // the latch moved on while connecting
		});
	}

	/** Send a datagram to the far end through dgram. */
	send(buf: Buffer): void {
		const remote = this.remote;
		// A connected socket skips the per-datagram address and route lookups.
		if (this.out) this.out.send(buf);
		else if (remote) this.socket.send(buf, remote.port, remote.host);
	}

	/** Whether the sending socket still has datagrams queued (so their buffers are in use). */
	queued(): boolean {
		return (this.out ?? this.socket).getSendQueueCount() > 0;
	}

	/** Close every socket. */
	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.useOut(undefined);
		this.dropSibling();
		try {
			this.socket.close();
		} catch {}
	}

	/** Forget the far end's learnt source: disconnect our socket so every source reaches it again. */
	private unlatch(): void {
		this.latched = false;
		if (this.out === this.socket) {
			this.useOut(undefined);
			try {
				this.socket.disconnect();
			} catch {
				// Not connected yet (the connect callback is still pending): it disconnects then.
			}
		}
	}

	/**
	 * An unconnected sendto costs the kernel a route lookup and more per datagram:
	 * the bench measured a third less CPU for connected sends. Connecting our own
	 * socket before latching would make the kernel drop a NATed far end's packets
	 * (from an address other than its SDP's), so a sibling socket on the same port
	 * (SO_REUSEPORT) is connected to the SDP address instead: it sends without an
	 * address and receives that address's packets; everything else still reaches
	 * the unconnected socket, so latching works as before.
	 */
	private connectSibling(host: string, port: number): void {
		this.dropSibling();
		if (this.closed || !isIPv4(host)) return;
		let local: { address: string; port: number };
		try {
			local = this.socket.address();
		} catch {
			return;
		}
		const sibling = dgram.createSocket({ type: "udp4", reusePort: true });
		this.sibling = sibling;
		// Without SO_REUSEPORT support, or on any failure, sends keep naming the address.
		sibling.on("error", () => {
			if (this.sibling === sibling) this.dropSibling();
		});
		sibling.on("message", this.onPacket);
		sibling.bind(local.port, local.address, () => {
			if (this.sibling !== sibling) return;
			sibling.connect(port, host, () => {
				if (this.sibling === sibling && !this.latched) this.useOut(sibling);
			});
		});
	}

	private dropSibling(): void {
		const sibling = this.sibling;
		if (!sibling) return;
		this.sibling = undefined;
		if (this.out === sibling) this.useOut(undefined);
		try {
			sibling.close();
		} catch {}
	}

	/** Send through `socket` from now on (connected), natively when its fd checks out. */
	private useOut(socket: dgram.Socket | undefined): void {
		const before = this.outFd;
		this.out = socket;
		this.outFd = socket && this.native ? socketFd(this.native, socket, this.port) : undefined;
		// Packets queued on the send clock (seq numbers given) follow to the new socket of the
		// same port; with none they are dropped, as the old fd must not be used once it closes.
		if (before !== undefined && before !== this.outFd) this.native?.forget(before, this.outFd ?? -1);
		// A native stream moves before the old socket can close.
		if (before !== this.outFd && !this.closed) this.onRoute?.();
	}
}

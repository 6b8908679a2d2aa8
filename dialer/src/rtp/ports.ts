/**
 * Even RTP ports from the configured range, each with the odd port above it for
 * RTCP (RFC 3550 §11). Allocation binds both sockets, so a pair in use elsewhere
 * is skipped rather than shared. Sockets set SO_REUSEPORT so that a media session can
 * bind a connected sibling on its own port (see MediaSession). SO_REUSEPORT would
 * also let another process of the same user (a second dialer, a rolling deploy on
 * host networking) bind the same port and the kernel would split its packets
 * between them, so each port is first probed by a socket without it, which any
 * holder refuses. (A second dialer probing the same port in the microseconds
 * between our probe and our bind could still share it; ranges per instance avoid even that.)
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { isIPv4 } from "node:net";

/**
 * Until a socket is connected (latched), every send names the far end, and
 * dgram resolves that name per datagram: dns.lookup answers even an IP literal
 * on the next tick, so each packet cost a lookup, a closure and a nextTick. SDP
 * addresses are IP literals; answer those synchronously, resolve names as before.
 */
function lookup(
	address: string,
	family: number | dns.LookupOneOptions,
	callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
	if (isIPv4(address)) callback(null, address, 4);
	else dns.lookup(address, family as dns.LookupOneOptions, callback);
}

/** Hands out bound UDP sockets on even ports in [min, max]. */
export class PortPool {
	private readonly min: number;
	private readonly max: number;
	private readonly host: string;
	private next: number;
	private used = new Set<number>();

	constructor(host: string, min: number, max: number) {
		this.host = host;
		this.min = min + (min % 2);
		this.max = max;
		this.next = this.min + 2 * Math.floor((Math.random() * (max - this.min)) / 2);
	}

	/** Bind an RTP socket on a free even port and an RTCP socket on the next. @throws when the range is exhausted */
	async bind(): Promise<{ socket: dgram.Socket; rtcp: dgram.Socket; port: number; release: () => void }> {
		const span = Math.floor((this.max - this.min) / 2) + 1;
		for (let tries = 0; tries < Math.min(span, 200); tries++) {
			const port = this.next;
			this.next = this.next + 3 > this.max ? this.min : this.next + 2;
			if (this.used.has(port) || port + 1 > this.max) continue;
			const probe = await this.tryBind(port, false);
			if (!probe) continue;
			await new Promise<void>((r) => probe.close(() => r()));
			const socket = await this.tryBind(port, true);
			if (!socket) continue;
			const rtcp = await this.tryBind(port + 1, false);
			if (!rtcp) {
				socket.close();
				continue;
			}
			this.used.add(port);
			return { socket, rtcp, port, release: () => this.used.delete(port) };
		}
		throw new Error("RTP port range exhausted");
	}

	/** A socket bound to `port`, or undefined when the port is taken. */
	private async tryBind(port: number, reusePort: boolean): Promise<dgram.Socket | undefined> {
		const socket = dgram.createSocket({ type: "udp4", lookup, reusePort });
		const ok = await new Promise<boolean>((resolve) => {
			socket.once("error", () => resolve(false));
			socket.bind(port, this.host, () => resolve(true));
		});
		if (ok) return socket;
		socket.close();
		return undefined;
	}

	/** Ports currently handed out. */
	get inUse(): number {
		return this.used.size;
	}
}

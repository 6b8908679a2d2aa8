/**
 * The packets of one pacer wake-up, handed to the native sender in one call
 * (see native-send.ts). A session adds its packet (header written in place,
 * payload named by sound and offset); the pacer flushes after every wake-up.
 * A packet the kernel would not take (a full socket buffer, an ICMP error
 * reported on a connected socket) is given back to its session, which sends
 * it through dgram as it always did: the batch never loses a packet.
 *
 * With a send clock (see {@link SendBatch.useClock}) a flush only queues: each
 * packet carries its due time and the clock's native thread sends it then, so
 * the pacer may run ahead of time and its lateness (JS, GC, event loop) no
 * longer reaches the wire. A packet the kernel refuses at that point is counted
 * by the clock (clockStats), not resent.
 */
import { clockOffset, type NativeSend } from "./native-send.ts";
import { RTP_HEADER } from "./packet.ts";

/** Who takes a packet back when the native send refused it. */
export interface FallbackSender {
	/** Send the packet with this header and the payload at `offset` through dgram. */
	resend(header: Uint8Array, offset: number): void;
}

const ROW = 4;

/** One wake-up's packets. */
export class SendBatch {
	readonly native: NativeSend;
	private readonly payloadLen: number;
	/** Headers of the packets added since the last flush, RTP_HEADER bytes each. */
	headers: Uint8Array;
	private rows: Int32Array;
	/** Due time of each packet (performance.now() ms), for the send clock. */
	private dues: Float64Array;
	/** monotonicMs() − performance.now(), once a send clock runs. */
	private clockOffset?: number;
	private owners: FallbackSender[] = [];
	private n = 0;
	/** Packets sent natively, and packets given back to dgram. */
	sent = 0;
	fallbacks = 0;

	constructor(native: NativeSend, payloadLen: number, capacity = 64) {
		this.native = native;
		this.payloadLen = payloadLen;
		this.headers = new Uint8Array(capacity * RTP_HEADER);
		this.rows = new Int32Array(capacity * ROW);
		this.dues = new Float64Array(capacity);
	}

	/** Queue packets on the native send clock from now on (it must be started). */
	useClock(): void {
		this.clockOffset = clockOffset(this.native);
	}

	/** Whether flushes queue on the send clock. */
	get clocked(): boolean {
		return this.clockOffset !== undefined;
	}

	/**
	 * Queue a packet for `fd`; returns the offset in {@link headers} where the
	 * caller writes its 12-byte header before the next flush.
	 */
	add(owner: FallbackSender, fd: number, sound: number, offset: number, pad: number, due = 0): number {
		const i = this.n++;
		if (i * ROW >= this.rows.length) this.grow();
		const r = i * ROW;
		this.dues[i] = due;
		this.rows[r] = fd;
		this.rows[r + 1] = sound;
		this.rows[r + 2] = offset;
		this.rows[r + 3] = pad;
		this.owners[i] = owner;
		return i * RTP_HEADER;
	}

	/** Send everything queued; refused packets go back to their sessions. */
	flush(): void {
		const n = this.n;
		if (n === 0) return;
		this.n = 0;
		let sent: number;
		try {
			const offset = this.clockOffset;
			if (offset === undefined) sent = this.native.send(this.headers, this.rows, n, this.payloadLen);
			else {
				for (let i = 0; i < n; i++) this.dues[i] += offset;
				sent = this.native.queue(this.headers, this.rows, this.dues, n, this.payloadLen);
			}
		} catch {
			// Arguments the addon refused: nothing went out, so every packet goes through dgram.
			for (let i = 0; i < n; i++) this.rows[i * ROW] = -1;
			sent = 0;
		}
		this.sent += sent;
		if (sent < n) this.giveBack(n);
		// Drop the references so closed sessions are not kept alive by a slot.
		this.owners.fill(undefined as unknown as FallbackSender, 0, n);
	}

	private giveBack(n: number): void {
		for (let i = 0; i < n; i++) {
			if (this.rows[i * ROW] >= 0) continue;
			this.fallbacks++;
			const at = i * RTP_HEADER;
			try {
				this.owners[i].resend(this.headers.subarray(at, at + RTP_HEADER), this.rows[i * ROW + 2]);
			} catch {
				// dgram refused it too (a socket closing): the packet is lost, as it would have been.
			}
		}
	}

	private grow(): void {
		const headers = new Uint8Array(this.headers.length * 2);
		headers.set(this.headers);
		const rows = new Int32Array(this.rows.length * 2);
		rows.set(this.rows);
		const dues = new Float64Array(this.dues.length * 2);
		dues.set(this.dues);
		this.headers = headers;
		this.rows = rows;
		this.dues = dues;
	}
}

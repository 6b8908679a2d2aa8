/**
 * The UAS side of our dialogs, what must outlive one far-end request: the
 * remote CSeq (RFC 3261 §12.2.2), the last SDP we sent (its o= version,
 * RFC 3264 §8), and the 2xx to a re-INVITE, retransmitted until its ACK
 * (§13.3.1.4). The agent keeps one per registered Call-ID and drops it on
 * unregister, so a dialog's timers never outlive its routing.
 */
import type { Timers } from "./transaction.ts";

interface Awaiting {
	seq: number;
	/** Our offer in the 2xx (a re-INVITE without SDP): the ACK must carry the answer. */
	offer?: string;
	timers: NodeJS.Timeout[];
}

/** One dialog's UAS state. */
export class UasDialog {
	/** Our last SDP in this dialog (undefined: still the INVITE's offer). */
	localSdp?: string;
	private remoteSeq?: number;
	private awaiting?: Awaiting;
	private readonly timers: Timers;

	constructor(timers: Timers) {
		this.timers = timers;
	}

	/**
	 * §12.2.2: a request whose CSeq is lower than the last one is out of order
	 * (answer 500, change nothing); otherwise it becomes the remote CSeq.
	 */
	inOrder(seq: number): boolean {
		if (this.remoteSeq !== undefined && seq < this.remoteSeq) return false;
		this.remoteSeq = seq;
		return true;
	}

	/** A 2xx of ours still waits for its ACK. */
	get awaitingAck(): boolean {
		return this.awaiting !== undefined;
	}

	/**
	 * Retransmit a 2xx (already sent once) through `resend` at T1, 2·T1, …
	 * capped at T2, until {@link ack} for `seq`; after 64·T1 without one, stop
	 * and call `noAck` (§13.3.1.4: the UAS then ends the dialog with BYE).
	 * Reliable transports too: a proxy on the way may forward over UDP.
	 */
	await2xx(seq: number, resend: () => void, noAck: () => void, offer?: string): void {
		this.stop();
		const a: Awaiting = { seq, offer, timers: [] };
		this.awaiting = a;
		const { t1, t2 } = this.timers;
		const again = (interval: number) => {
			const t = setTimeout(() => {
				if (this.awaiting !== a) return;
				resend();
				again(Math.min(interval * 2, t2));
			}, interval);
			t.unref();
			a.timers.push(t);
		};
		again(t1);
		const giveUp = setTimeout(() => {
			if (this.awaiting !== a) return;
			this.stop();
			noAck();
		}, 64 * t1);
		giveUp.unref();
		a.timers.push(giveUp);
	}

	/**
	 * The ACK for CSeq `seq` arrived. Undefined when no 2xx of ours waits for it
	 * (a stray or retransmitted ACK); otherwise retransmission stops and the
	 * result says which offer, if any, the ACK must answer.
	 */
	ack(seq: number): { offer?: string } | undefined {
		const a = this.awaiting;
		if (!a || a.seq !== seq) return undefined;
		this.stop();
		return { offer: a.offer };
	}

	/** Stop retransmitting (ACK, BYE, or the dialog is gone). */
	stop(): void {
		if (!this.awaiting) return;
		for (const t of this.awaiting.timers) clearTimeout(t);
		this.awaiting = undefined;
	}
}

/** Every dialog's UAS state, by Call-ID. */
export class UasDialogs {
	private readonly map = new Map<string, UasDialog>();
	private readonly timers: Timers;

	constructor(timers: Timers) {
		this.timers = timers;
	}

	/** The state of the dialog `callId`, created on first use. */
	get(callId: string): UasDialog {
		let d = this.map.get(callId);
		if (!d) {
			d = new UasDialog(this.timers);
			this.map.set(callId, d);
		}
		return d;
	}

	/** Drop `callId`'s state and its timers. */
	forget(callId: string): void {
		this.map.get(callId)?.stop();
		this.map.delete(callId);
	}

	/** Drop everything (shutdown). */
	close(): void {
		for (const d of this.map.values()) d.stop();
		this.map.clear();
	}
}

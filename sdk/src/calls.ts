import type { CallEvent, IceCandidate, TurnServerInfo } from "@hatch/contract/call-frames";
import type { HatchSocket } from "./socket.ts";

type Offer = Extract<CallEvent, { type: "call.offer" }>;
type Bye = Extract<CallEvent, { type: "call.bye" }>;

/** Incoming calls whose trickled caller candidates are kept until answered, and candidates kept per call. */
const MAX_RINGING = 8;
const MAX_HELD_CANDIDATES = 64;

/** One call's peer connection and its signalling. `ended` settles with the bye (who ended it and why). */
export type ActiveCall = {
	callId: string;
	pc: RTCPeerConnection;
	ended: Promise<Bye>;
	hangUp(code?: number, reason?: string): Promise<void>;
};

/** A ringing call: answer with a local stream, or reject (486 Busy Here by default). */
export type IncomingCall = {
	callId: string;
	caller: Offer["caller"];
	answer(stream: MediaStream): Promise<ActiveCall>;
	reject(code?: number, reason?: string): Promise<void>;
};

/**
 * WebRTC calls over the hub socket (README "Calls"): TURN credentials from
 * `call.lock_turn` become the peer connection's iceServers, the SDP and ICE
 * candidates travel as call.* frames, and media flows peer to peer.
 *
 * @example
 * const call = await hatch.calls.place(userId, await navigator.mediaDevices.getUserMedia({ audio: true }));
 * hatch.calls.onIncoming(async (c) => { await c.answer(stream) });
 */
export class Calls {
	private readonly live = new Map<string, { pc: RTCPeerConnection; end: (b: Bye) => void }>();
	/**
	 * Caller candidates for calls still ringing here. The caller keeps gathering
	 * after its offer went out (its relay candidate comes last), and the server
	 * forwards those as call.ice while this device rings: without them the
	 * answer knows only the offer's candidates, and a relay-only path never forms.
	 */
	private readonly ringing = new Map<string, IceCandidate[]>();

	private readonly Peer: typeof RTCPeerConnection;
	private readonly rtc: RTCConfiguration;

	constructor(
		private readonly hub: HatchSocket,
		/** `rtc` is merged into every peer connection's configuration (e.g. iceTransportPolicy "relay" to force TURN). */
		opts: { Peer?: typeof RTCPeerConnection; rtc?: RTCConfiguration } = {},
	) {
		this.Peer = opts.Peer ?? globalThis.RTCPeerConnection;
		this.rtc = opts.rtc ?? {};
		hub.on(
			"call.answer",
			(e) => void this.live.get(e.call_id)?.pc.setRemoteDescription({ type: "answer", sdp: e.sdp }),
		);
		hub.on("call.offer", (e) => {
			// Bounded: a device rung many times without answering or hearing a bye keeps only the newest calls.
			if (this.ringing.size >= MAX_RINGING) this.ringing.delete(this.ringing.keys().next().value ?? "");
			this.ringing.set(e.call_id, []);
		});
		hub.on("call.ice", (e) => {
			const held = this.ringing.get(e.call_id);
			if (held) {
				if (held.length < MAX_HELD_CANDIDATES) held.push(e.candidate);
				return;
			}
			void this.live
				.get(e.call_id)
				?.pc.addIceCandidate(e.candidate)
				.catch(() => {});
		});
		hub.on("call.bye", (e) => {
			this.ringing.delete(e.call_id);
			this.finish(e);
		});
	}

	/** A TURN lease for this socket (renewed by asking again). */
	turn(): Promise<TurnServerInfo> {
		return this.hub.request<TurnServerInfo>({ type: "call.lock_turn" });
	}

	/** Calls a user: resolves once the offer is placed (the callee is ringing or about to). */
	async place(callee: string, stream: MediaStream): Promise<ActiveCall> {
		const turn = await this.turn();
		const pc = new this.Peer({ ...this.rtc, iceServers: turn.ice_servers });
		for (const t of stream.getTracks()) pc.addTrack(t, stream);
		const early: IceCandidate[] = [];
		let callId: string | null = null;
		pc.onicecandidate = (ev) => {
			const candidate = toCandidate(ev.candidate);
			if (callId) void this.hub.request({ type: "call.ice", call_id: callId, candidate }).catch(() => {});
			else early.push(candidate);
		};
		const offer = await pc.createOffer();
		await pc.setLocalDescription(offer);
		const r = await this.hub.request<{ call_id: string }>({
			type: "call.offer",
			callee,
			sdp: offer.sdp ?? "",
		});
		callId = r.call_id;
		const call = this.track(callId, pc);
		for (const candidate of early)
			void this.hub.request({ type: "call.ice", call_id: callId, candidate }).catch(() => {});
		return call;
	}

	/** Calls `fn` for every incoming call (after saying "ringing here" with call.ack). */
	onIncoming(fn: (call: IncomingCall) => void): () => void {
		return this.hub.on("call.offer", (offer) => {
			void this.hub.request({ type: "call.ack", call_id: offer.call_id }).catch(() => {});
			fn({
				callId: offer.call_id,
				caller: offer.caller,
				answer: (stream) => this.answer(offer, stream),
				reject: async (code = 486, reason = "Busy Here") => {
					this.ringing.delete(offer.call_id);
					await this.hub.request({ type: "call.bye", call_id: offer.call_id, code, reason });
				},
			});
		});
	}

	private async answer(offer: Offer, stream: MediaStream): Promise<ActiveCall> {
		const iceServers = offer.turn_server?.ice_servers ?? (await this.turn()).ice_servers;
		const pc = new this.Peer({ ...this.rtc, iceServers });
		for (const t of stream.getTracks()) pc.addTrack(t, stream);
		// From here on the caller's candidates go to the peer connection; those that came while ringing follow the offer's.
		const held = this.ringing.get(offer.call_id) ?? [];
		this.ringing.delete(offer.call_id);
		const call = this.track(offer.call_id, pc);
		pc.onicecandidate = (ev) =>
			void this.hub
				.request({ type: "call.ice", call_id: offer.call_id, candidate: toCandidate(ev.candidate) })
				.catch(() => {});
		await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
		for (const c of [...offer.candidates, ...held]) await pc.addIceCandidate(c).catch(() => {});
		const answer = await pc.createAnswer();
		await pc.setLocalDescription(answer);
		await this.hub.request({ type: "call.answer", call_id: offer.call_id, sdp: answer.sdp ?? "" });
		return call;
	}

	private track(callId: string, pc: RTCPeerConnection): ActiveCall {
		let end: (b: Bye) => void = () => {};
		const ended = new Promise<Bye>((r) => {
			end = r;
		});
		this.live.set(callId, { pc, end });
		return {
			callId,
			pc,
			ended,
			hangUp: async (code = 200, reason) => {
				await this.hub.request({ type: "call.bye", call_id: callId, code, reason });
				this.finish({ type: "call.bye", call_id: callId, code, reason: reason ?? "", ended_by: "caller" });
			},
		};
	}

	private finish(bye: Bye): void {
		const c = this.live.get(bye.call_id);
		if (!c) return;
		this.live.delete(bye.call_id);
		c.pc.close();
		c.end(bye);
	}
}

function toCandidate(c: RTCIceCandidate | null): IceCandidate {
	if (!c) return { candidate: "" };
	return {
		candidate: c.candidate,
		sdpMid: c.sdpMid,
		sdpMLineIndex: c.sdpMLineIndex,
		usernameFragment: c.usernameFragment,
	};
}

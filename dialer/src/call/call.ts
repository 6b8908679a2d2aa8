/**
 * One outbound call end to end: SIP dialog + RTP stream + timers + events.
 * Ring timeout CANCELs, the end of the sound or max duration BYEs, and every
 * state change becomes exactly one numbered event.
 */
import type { AmdResult } from "../amd/detector.ts";
import type { PreparedAudio } from "../audio/store.ts";
import type { CallMedia } from "../rtp/protocol.ts";
import { buildOffer, type Codec, chooseCodec, parseSdp } from "../sdp/sdp.ts";
import type { SipAgent } from "../sip/agent.ts";
import { type Pace, type Trunk, UacCall } from "../sip/uac.ts";
import { type CancelCause, outcomeFor, reasonFor } from "./outcome.ts";
import { type AmdOptions, SoundPlan, type SoundStep } from "./sound-plan.ts";
import {
	type CallEvent,
	type CallEventType,
	type CallState,
	type CallView,
	type FinalState,
	isFinal,
} from "./types.ts";

/** Everything needed to place one call. */
export interface CallParams {
	callId: string;
	to: string;
	trunk: Trunk;
	codecs: Codec[];
	audio: PreparedAudio;
	ringTimeoutS: number;
	maxDurationS: number;
	/** Answering-machine detection: listen on answer before playing (sound-plan.ts). */
	amd?: AmdOptions;
	/**
	 * How long after the last packet's due time the BYE goes out when the sound
	 * ends (default {@link PLAYOUT_MS}): a phone's jitter buffer still holds the
	 * last 60-200 ms of audio when the packet arrives, and a BYE ends playback at once.
	 */
	playoutMs?: number;
	/** Holds the first INVITE for its slot under the campaign's rate (dial-pacer.ts); absent, it goes at once. */
	pace?: Pace;
}

/**
 * The default wait between the last packet and the BYE. Before it, the BYE went
 * 20-40 ms after the last packet and a far end recording lost its last ~90 ms.
 */
export const PLAYOUT_MS = 250;

/** Dependencies a call needs from the process. */
export interface CallDeps {
	agent: SipAgent;
	media: CallMedia;
	emit(event: CallEvent): void;
	ended(call: Call): void;
}

/** A call's full lifecycle. */
export class Call {
	readonly id: string;
	readonly to: string;
	state: CallState = "trying";
	readonly createdAt = new Date();
	answeredAt?: Date;
	endedAt?: Date;
	sipCode?: number;
	reason?: string;
	readonly events: CallEvent[] = [];
	private readonly params: CallParams;
	private readonly deps: CallDeps;
	private readonly uac: UacCall;
	private seq = 0;
	private startedMs = 0;
	private answeredMs = 0;
	/** A 180 or 183 arrived: only then does the call have a ring time. */
	private rang = false;
	private cancelCause?: CancelCause;
	private ringTimer?: NodeJS.Timeout;
	private maxTimer?: NodeJS.Timeout;
	private playoutTimer?: NodeJS.Timeout;
	private localSdp = "";
	/** The law we are sending, once answered. */
	private codec?: Codec;
	private readonly plan: SoundPlan;

	constructor(params: CallParams, deps: CallDeps) {
		this.params = params;
		this.deps = deps;
		this.id = params.callId;
		this.to = params.to;
		this.plan = new SoundPlan(params.audio, params.amd);
		this.uac = new UacCall(
			deps.agent,
			params.trunk,
			params.to,
			{
				provisional: (status, reason, sdp) => this.provisional(status, reason, sdp),
				answered: (sdp) => this.answered(sdp),
				failed: (status, reason, unreachable) => this.failed(status, reason, unreachable),
				remoteBye: () => this.end("completed", undefined, "remote hangup"),
				reoffer: (sdp) => this.reoffer(sdp),
			},
			params.pace,
		);
	}

	/** Send the INVITE and arm the ring timeout. */
	start(): void {
		this.startedMs = performance.now();
		this.localSdp = buildOffer({
			address: this.deps.agent.publicHost,
			port: this.deps.media.port,
			codecs: this.params.codecs,
			sessionId: String(Date.now()),
			version: 1,
		});
		this.emit("trying");
		this.ringTimer = setTimeout(() => this.cancel("ring_timeout"), this.params.ringTimeoutS * 1000);
		this.uac.start(this.localSdp);
	}

	/** Stop the call on request: CANCEL while ringing, BYE once answered. */
	hangup(): void {
		if (isFinal(this.state)) return;
		if (this.state === "answered") {
			this.uac.bye();
			this.end("completed", undefined, "hangup requested");
		} else this.cancel("api");
	}

	private cancel(cause: CancelCause): void {
		if (isFinal(this.state) || this.state === "answered" || this.cancelCause) return;
		this.cancelCause = cause;
		this.uac.cancel();
	}

	private provisional(status: number, reason: string, sdp: string | undefined): void {
		if (isFinal(this.state) || this.state === "answered") return;
		this.rang = true;
		if (status === 183 && sdp && this.state !== "early_media") {
			this.state = "early_media";
			this.emit("early_media", { sip_code: status, reason });
		} else if (this.state === "trying") {
			this.state = "ringing";
			this.emit("ringing", { sip_code: status, reason });
		}
	}

	private answered(sdp: string): void {
		if (isFinal(this.state)) return;
		clearTimeout(this.ringTimer);
		const remote = parseSdp(sdp);
		const codec = remote && remote.port > 0 ? chooseCodec(remote, this.params.codecs) : undefined;
		this.answeredMs = performance.now();
		this.answeredAt = new Date();
		this.state = "answered";
		this.emit("answered", { sip_code: 200, ring_ms: this.ringMs() });
		this.sipCode = 200;
		if (!remote || !codec) {
			this.uac.bye();
			this.end("failed", 488, remote ? "no common codec in answer" : "no usable SDP in answer");
			return;
		}
		this.deps.media.setRemote(remote.address, remote.port, remote.dtmfPayload);
		this.deps.media.setMuted(remote.direction === "sendonly" || remote.direction === "inactive");
		this.maxTimer = setTimeout(() => {
			this.uac.bye();
			this.end("completed", undefined, "max duration reached");
		}, this.params.maxDurationS * 1000);
		this.codec = codec;
		// With detection the far end's greeting is heard first (listen), the sound waits.
		if (this.params.amd) this.deps.media.listen();
		this.perform(this.plan.answered());
	}

	private soundFor(codec: Codec): Uint8Array {
		const sound = this.plan.current ?? this.params.audio;
		return codec === "PCMU" ? sound.pcmu : sound.pcma;
	}

	/** Detection decided, `ms` after the answer (sound-plan.ts says what follows). */
	amdDecided(result: AmdResult, ms: number): void {
		if (this.state === "answered") this.perform(this.plan.decided(result, ms));
	}

	/** After a machine: its greeting and beep are over. */
	greetingEnded(): void {
		if (this.state === "answered") this.perform(this.plan.greetingEnded());
	}

	private perform(step: SoundStep): void {
		if (!step) return;
		if ("hangup" in step) {
			this.uac.bye();
			this.end("completed", undefined, step.hangup);
		} else if (this.codec) this.deps.media.play(this.soundFor(this.codec), this.codec);
	}

	/**
	 * Called when the sound has been sent, its last packet due `sinceLastMs` ago:
	 * the BYE waits until the far end has had {@link CallParams.playoutMs} to play it.
	 */
	audioFinished(sinceLastMs = 0): void {
		if (this.state !== "answered" || this.playoutTimer) return;
		const wait = Math.max(0, (this.params.playoutMs ?? PLAYOUT_MS) - sinceLastMs);
		this.playoutTimer = setTimeout(() => {
			if (this.state !== "answered") return;
			this.uac.bye();
			this.end("completed", undefined, "audio finished");
		}, wait);
	}

	/** Called when the media thread died: the call cannot play its sound any more. */
	mediaFailed(): void {
		if (isFinal(this.state)) return;
		if (this.state === "answered") {
			this.uac.bye();
			this.end("completed", undefined, "media failure");
		} else this.cancel("media_failure");
	}

	/** Called by the media session for each received DTMF digit. */
	dtmf(digit: string): void {
		if (this.state === "answered") this.emit("dtmf", { digit });
	}

	/**
	 * A re-offer (or the answer in an ACK) from the far end: follow hold, resume,
	 * a new address and a new codec. Port 0 disables the stream (RFC 3264 §8.2):
	 * we stop sending. A codec we no longer share switches the sound to the law
	 * the offer still has. Returns our capabilities (reinvite.ts builds the
	 * answer from them); `reoffer("")` changes nothing.
	 */
	private reoffer(sdp: string): string {
		const remote = sdp ? parseSdp(sdp) : undefined;
		if (remote && this.state === "answered") {
			// Port 0 reaches the session, which stops RTP and RTCP (RFC 3264 §8.2).
			this.deps.media.setRemote(remote.address, remote.port, remote.dtmfPayload);
			if (remote.port === 0) return this.localSdp;
			this.deps.media.setMuted(remote.direction === "sendonly" || remote.direction === "inactive");
			// Keep our law while the offer still has it; otherwise take the best it kept.
			const codec =
				this.codec && chooseCodec(remote, [this.codec])
					? this.codec
					: chooseCodec(remote, this.params.codecs);
			if (codec && codec !== this.codec) {
				this.codec = codec;
				this.deps.media.play(this.soundFor(codec), codec);
			}
		}
		return this.localSdp;
	}

	private failed(status: number, reason: string, unreachable: boolean): void {
		if (isFinal(this.state)) return;
		if (this.state === "answered") {
			this.end("completed", status || undefined, reason);
			return;
		}
		const cause = this.cancelCause;
		this.end(outcomeFor(status, cause, unreachable), status, reasonFor(reason, cause, unreachable));
	}

	/** INVITE to answer (or to now), for a call that rang; undefined for one that never did (a 401, timer B). */
	private ringMs(): number | undefined {
		if (!this.rang) return undefined;
		return Math.round((this.answeredMs || performance.now()) - this.startedMs);
	}

	private end(state: FinalState, sipCode: number | undefined, reason: string): void {
		if (isFinal(this.state)) return;
		clearTimeout(this.ringTimer);
		clearTimeout(this.maxTimer);
		clearTimeout(this.playoutTimer);
		this.deps.media.close();
		const wasAnswered = this.answeredMs > 0;
		this.state = state;
		this.endedAt = new Date();
		// An answered call's final status is its 200, however it ended; 0: nothing answered at all.
		this.sipCode = sipCode ?? (wasAnswered ? 200 : 0);
		this.reason = reason;
		if (state === "completed" && wasAnswered) {
			const talk = Math.round(performance.now() - this.answeredMs);
			this.emit("completed", {
				sip_code: this.sipCode,
				reason,
				ring_ms: this.ringMs(),
				talk_ms: talk,
				billed_s: Math.ceil(talk / 1000),
				...this.plan.fields(talk),
			});
		} else {
			this.emit(state, { sip_code: this.sipCode, reason, ring_ms: this.ringMs() });
		}
		this.deps.ended(this);
	}

	private emit(type: CallEventType, extra: Partial<CallEvent> = {}): void {
		const event: CallEvent = {
			call_id: this.id,
			seq: ++this.seq,
			type,
			at: new Date().toISOString(),
			...extra,
		};
		this.events.push(event);
		this.deps.emit(event);
	}

	/** The GET /calls/:id body. */
	view(): CallView {
		return {
			call_id: this.id,
			state: this.state,
			to: this.to,
			created_at: this.createdAt.toISOString(),
			answered_at: this.answeredAt?.toISOString(),
			ended_at: this.endedAt?.toISOString(),
			sip_code: this.sipCode,
			reason: this.reason,
			rtp: this.answeredAt ? this.deps.media.stats() : undefined,
			events: this.events,
		};
	}
}

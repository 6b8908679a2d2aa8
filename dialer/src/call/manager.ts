/**
 * The registry of calls in this process: admission (capacity, duplicate ids),
 * wiring each call to an RTP port on the media thread, event fan-out, and
 * draining on shutdown.
 */
import { AudioError } from "@hatch/shared/audio/errors";
import { AudioFetchError, type AudioSource, type AudioStore, type PreparedAudio } from "../audio/store.ts";
import type { Logger } from "../log.ts";
import type { MediaThread } from "../rtp/media-thread.ts";
import type { Codec } from "../sdp/sdp.ts";
import type { SipAgent } from "../sip/agent.ts";
import type { Trunk } from "../sip/uac.ts";
import { Call } from "./call.ts";
import { DialPacer } from "./dial-pacer.ts";
import type { OnMachine } from "./sound-plan.ts";
import type { CallEvent } from "./types.ts";

/** Why a call could not be placed; the control API maps codes to statuses. */
export class CallError extends Error {
	readonly code: string;
	constructor(code: string, message: string) {
		super(message);
		this.code = code;
	}
}

/** A validated POST /calls request. */
export interface PlaceCall {
	callId: string;
	to: string;
	trunk: Trunk;
	codecs: Codec[];
	audio: AudioSource;
	/** Answering-machine detection, and what to do on a machine (call.ts). */
	amd?: { onMachine: OnMachine; machineAudio?: AudioSource };
	ringTimeoutS: number;
	maxDurationS: number;
	callbackUrl?: string;
	/** The campaign's rate: at most this many INVITEs per second for `key` (dial-pacer.ts). */
	rate?: { key: string; callsPerSecond: number };
}

/** Manager dependencies. */
export interface ManagerDeps {
	agent: SipAgent;
	media: MediaThread;
	audio: AudioStore;
	capacity: number;
	/** Wait between a sound's last packet and the BYE (call.ts PLAYOUT_MS when unset). */
	playoutMs?: number;
	log: Logger;
	/** Paces first INVITEs per campaign; one of its own when absent. */
	pacer?: DialPacer;
	/** Every event of every call, with the call's callback URL if any. */
	onEvent(event: CallEvent, callbackUrl: string | undefined): void;
}

const KEEP_FINISHED = 10_000;

/** Places, tracks and ends calls. */
export class CallManager {
	private readonly deps: ManagerDeps;
	private calls = new Map<string, Call>();
	private reserved = new Set<string>();
	private live = new Set<Call>();
	private readonly pacer: DialPacer;

	constructor(deps: ManagerDeps) {
		this.deps = deps;
		this.pacer = deps.pacer ?? new DialPacer();
	}

	/** Calls not yet ended (including those still loading their audio). */
	get active(): number {
		return this.live.size + this.reserved.size;
	}

	/** Configured capacity. */
	get capacity(): number {
		return this.deps.capacity;
	}

	/** A call by id, live or recently finished. */
	get(id: string): Call | undefined {
		return this.calls.get(id);
	}

	/**
	 * Admit and start a call.
	 * @throws CallError CALL_EXISTS | AT_CAPACITY | AUDIO_* | RTP_PORTS_EXHAUSTED
	 */
	async place(req: PlaceCall): Promise<Call> {
		if (this.calls.has(req.callId) || this.reserved.has(req.callId))
			throw new CallError("CALL_EXISTS", `call ${req.callId} already exists`);
		if (this.active >= this.deps.capacity)
			throw new CallError("AT_CAPACITY", `dialer is at capacity (${this.deps.capacity} calls)`);
		this.reserved.add(req.callId);
		try {
			let audio: PreparedAudio;
			let machineAudio: PreparedAudio | undefined;
			try {
				audio = await this.deps.audio.load(req.audio);
				if (req.amd?.machineAudio) machineAudio = await this.deps.audio.load(req.amd.machineAudio);
			} catch (err) {
				if (err instanceof AudioError || err instanceof AudioFetchError)
					throw new CallError(err.code, err.message);
				throw err;
			}
			let call: Call | undefined;
			let media: Awaited<ReturnType<MediaThread["open"]>>;
			try {
				media = await this.deps.media.open({
					finished: (sinceLastMs) => call?.audioFinished(sinceLastMs),
					dtmf: (digit) => call?.dtmf(digit),
					amd: (result, ms) => call?.amdDecided(result, ms),
					greetingEnd: () => call?.greetingEnded(),
					failed: () => call?.mediaFailed(),
				});
			} catch (err) {
				this.deps.log.warn("no RTP port", { err: (err as Error).message });
				throw new CallError("RTP_PORTS_EXHAUSTED", "no free RTP port");
			}
			call = new Call(
				{
					callId: req.callId,
					to: req.to,
					trunk: req.trunk,
					codecs: req.codecs,
					audio,
					amd: req.amd && { onMachine: req.amd.onMachine, machineAudio },
					ringTimeoutS: req.ringTimeoutS,
					maxDurationS: req.maxDurationS,
					playoutMs: this.deps.playoutMs,
					pace: pacing(this.pacer, req.rate),
				},
				{
					agent: this.deps.agent,
					media,
					emit: (event) => this.deps.onEvent(event, req.callbackUrl),
					ended: (c) => {
						this.live.delete(c);
					},
				},
			);
			this.remember(call);
			this.live.add(call);
			call.start();
			return call;
		} finally {
			this.reserved.delete(req.callId);
		}
	}

	private remember(call: Call): void {
		this.calls.set(call.id, call);
		if (this.calls.size <= KEEP_FINISHED) return;
		for (const [id, c] of this.calls) {
			if (this.calls.size <= KEEP_FINISHED) break;
			if (!this.live.has(c)) this.calls.delete(id);
		}
	}

	/** Hang up or cancel; false when the id is unknown. */
	hangup(id: string): boolean {
		const call = this.calls.get(id);
		if (!call) return false;
		call.hangup();
		return true;
	}

	/** End every live call and wait (bounded) until they have all ended. */
	async drain(timeoutMs: number): Promise<void> {
		for (const c of this.live) c.hangup();
		const until = Date.now() + timeoutMs;
		while (this.live.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
	}
}

/** The call's pace under its campaign's rate, or none. */
function pacing(pacer: DialPacer, rate: PlaceCall["rate"]) {
	if (!rate) return undefined;
	return (send: () => void) => pacer.acquire(rate.key, rate.callsPerSecond, send);
}

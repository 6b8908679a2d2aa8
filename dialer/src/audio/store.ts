/**
 * Turns an uploaded or fetched sound into ready-to-send G.711, once. A campaign
 * dials thousands of numbers with one sound: the conversion is keyed by URL +
 * ETag and by content hash, and concurrent requests share one in-flight load.
 * A fetched sound is not fetched again while its `Cache-Control: max-age`
 * says it is fresh (the Worker's sound URLs send an hour); after that, or
 * without one, each call revalidates it with `If-None-Match`.
 */
import { createHash } from "node:crypto";
import { AudioError } from "@hatch/shared/audio/errors";
import { encodeAlaw, encodeUlaw } from "@hatch/shared/audio/g711";
import { toTelephony } from "@hatch/shared/audio/resample";
import { looksLikeWav, type Pcm, parseWav } from "@hatch/shared/audio/wav";
import { decodeMp3, looksLikeMp3 } from "./mp3.ts";

/** A sound ready for RTP: 8 kHz mono in both G.711 laws. */
export interface PreparedAudio {
	pcmu: Uint8Array;
	pcma: Uint8Array;
	durationMs: number;
	hash: string;
}

/** Where the audio of a call comes from (the control API's `audio` field). */
export type AudioSource = { url: string } | { inline: string };

/** Fetches the sound for a URL; the store adds conditional-request headers. */
export type AudioFetcher = (url: string, headers: Record<string, string>) => Promise<Response>;

/** Why fetching failed, distinct from a bad file. */
export class AudioFetchError extends Error {
	readonly code = "AUDIO_FETCH_FAILED";
}

const MAX_BYTES = 50 * 1024 * 1024;
const MAX_SECONDS = 4 * 3600;
/** The longest a fetched sound is reused without revalidating, whatever its max-age says. */
const MAX_FRESH_S = 24 * 3600;

/**
 * Decode any supported file to G.711. `hash`: the bytes' SHA-256 when the
 * caller has it already (the store's cache key). @throws AudioError
 */
export async function prepareAudio(bytes: Uint8Array, hash = sha256(bytes)): Promise<PreparedAudio> {
	if (bytes.length === 0) throw new AudioError("AUDIO_EMPTY", "audio file is empty");
	if (bytes.length > MAX_BYTES)
		throw new AudioError("AUDIO_TOO_LARGE", `audio file exceeds ${MAX_BYTES} bytes`);
	let pcm: Pcm;
	if (looksLikeWav(bytes)) pcm = parseWav(bytes);
	else if (looksLikeMp3(bytes)) pcm = await decodeMp3(bytes);
	else throw new AudioError("AUDIO_UNSUPPORTED_FORMAT", "audio must be a WAV (PCM 8/16-bit) or MP3 file");
	if (pcm.samples.length / pcm.channels / pcm.sampleRate > MAX_SECONDS) {
		throw new AudioError("AUDIO_TOO_LONG", `audio is longer than ${MAX_SECONDS} s`);
	}
	const mono8k = toTelephony(pcm);
	if (mono8k.length < 160) throw new AudioError("AUDIO_EMPTY", "audio is shorter than one 20 ms packet");
	return {
		pcmu: encodeUlaw(mono8k),
		pcma: encodeAlaw(mono8k),
		durationMs: Math.round(mono8k.length / 8),
		hash,
	};
}

function sha256(bytes: Uint8Array): string {
	return createHash("sha256").update(bytes).digest("hex");
}

/** Bounded cache of prepared sounds. */
export class AudioStore {
	private byHash = new Map<string, Promise<PreparedAudio>>();
	private byUrl = new Map<string, { etag?: string; audio: PreparedAudio; freshUntil: number }>();
	private inflight = new Map<string, Promise<PreparedAudio>>();
	private readonly fetcher: AudioFetcher;
	private readonly maxEntries: number;

	private readonly now: () => number;
	private readonly prepare: (bytes: Uint8Array, hash: string) => Promise<PreparedAudio>;

	/** `prepare`: the conversion (the dialer passes its AudioConverter's, off the main thread). */
	constructor(
		fetcher: AudioFetcher,
		maxEntries = 64,
		now: () => number = Date.now,
		prepare: (bytes: Uint8Array, hash: string) => Promise<PreparedAudio> = prepareAudio,
	) {
		this.fetcher = fetcher;
		this.maxEntries = maxEntries;
		this.now = now;
		this.prepare = prepare;
	}

	/** Load and convert, reusing earlier work. @throws AudioError | AudioFetchError */
	async load(source: AudioSource): Promise<PreparedAudio> {
		if ("inline" in source) return this.fromBytes(Buffer.from(source.inline, "base64"));
		const pending = this.inflight.get(source.url);
		if (pending) return pending;
		const p = this.fromUrl(source.url).finally(() => this.inflight.delete(source.url));
		this.inflight.set(source.url, p);
		return p;
	}

	private async fromUrl(url: string): Promise<PreparedAudio> {
		const cached = this.byUrl.get(url);
		if (cached && this.now() < cached.freshUntil) return cached.audio;
		const headers: Record<string, string> = {};
		if (cached?.etag) headers["if-none-match"] = cached.etag;
		let res: Response;
		try {
			res = await this.fetcher(url, headers);
		} catch (err) {
			throw new AudioFetchError(`fetching audio failed: ${(err as Error).message}`);
		}
		if (res.status === 304 && cached) {
			cached.freshUntil = this.freshUntil(res);
			return cached.audio;
		}
		if (!res.ok) throw new AudioFetchError(`fetching audio failed: HTTP ${res.status}`);
		const declared = Number(res.headers.get("content-length") ?? "0");
		if (declared > MAX_BYTES)
			throw new AudioError("AUDIO_TOO_LARGE", `audio file exceeds ${MAX_BYTES} bytes`);
		const bytes = new Uint8Array(await res.arrayBuffer());
		const audio = await this.fromBytes(bytes);
		this.remember(this.byUrl, url, {
			etag: res.headers.get("etag") ?? undefined,
			audio,
			freshUntil: this.freshUntil(res),
		});
		return audio;
	}

	/** Until when a response may be reused without asking again: its max-age (at most a day), else now. */
	private freshUntil(res: Response): number {
		const cc = (res.headers.get("cache-control") ?? "").toLowerCase();
		if (/(^|,)\s*(no-cache|no-store)\b/.test(cc)) return 0;
		const maxAge = /(^|,)\s*max-age\s*=\s*(\d{1,9})\b/.exec(cc);
		if (!maxAge) return 0;
		return this.now() + Math.min(Number(maxAge[2]), MAX_FRESH_S) * 1000;
	}

	private fromBytes(bytes: Uint8Array): Promise<PreparedAudio> {
		const key = sha256(bytes);
		const hit = this.byHash.get(key);
		if (hit) return hit;
		const p = this.prepare(bytes, key);
		// A failed conversion must not be cached: the next call may bring a fixed file.
		p.catch(() => this.byHash.delete(key));
		this.remember(this.byHash, key, p);
		return p;
	}

	private remember<V>(map: Map<string, V>, key: string, value: V): void {
		map.delete(key);
		map.set(key, value);
		if (map.size > this.maxEntries) {
			const oldest = map.keys().next().value;
			if (oldest !== undefined) map.delete(oldest);
		}
	}
}

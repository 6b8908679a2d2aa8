/**
 * The audio conversion thread (a worker_threads entry point): decodes and
 * converts sounds with prepareAudio, so a long file (seconds of MP3 decoding
 * and resampling) never holds up SIP timers, RTP commands or the control API
 * on the main thread. One request at a time, in order; see converter.ts.
 */
import { parentPort } from "node:worker_threads";
import { AudioError } from "@hatch/shared/audio/errors";
import { prepareAudio } from "./store.ts";

/** Main → conversion thread. */
export interface ConvertRequest {
	id: number;
	bytes: Uint8Array;
	/** The bytes' SHA-256, computed once by the caller. */
	hash: string;
}

/** Conversion thread → main: the prepared sound, or the error with its code. */
export type ConvertReply =
	| { id: number; ok: true; pcmu: Uint8Array; pcma: Uint8Array; durationMs: number; hash: string }
	| { id: number; ok: false; code?: AudioError["code"]; message: string };

const port = parentPort;
if (!port) throw new Error("convert-worker.ts runs as a worker thread");

/** A copy over a SharedArrayBuffer: what the media thread plays from, so nobody copies it again. */
function shared(bytes: Uint8Array): Uint8Array {
	const out = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
	out.set(bytes);
	return out;
}

port.on("message", async ({ id, bytes, hash }: ConvertRequest) => {
	let reply: ConvertReply;
	try {
		const a = await prepareAudio(bytes, hash);
		reply = { id, ok: true, ...a, pcmu: shared(a.pcmu), pcma: shared(a.pcma) };
	} catch (err) {
		const code = err instanceof AudioError ? err.code : undefined;
		reply = { id, ok: false, code, message: (err as Error)?.message ?? String(err) };
	}
	port.postMessage(reply);
});

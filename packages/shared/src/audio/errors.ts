/**
 * Why an audio file was refused. Codes are stable: the control API returns them
 * verbatim, and the Worker uses the same module to validate uploads.
 */
export type AudioErrorCode =
	| "AUDIO_EMPTY"
	| "AUDIO_TOO_LARGE"
	| "AUDIO_UNSUPPORTED_FORMAT"
	| "AUDIO_MALFORMED"
	| "AUDIO_TOO_LONG";

/** A bad audio file. Thrown by the parsers; never a crash, always a refusal. */
export class AudioError extends Error {
	readonly code: AudioErrorCode;
	constructor(code: AudioErrorCode, message: string) {
		super(message);
		this.name = "AudioError";
		this.code = code;
	}
}

/** Types of the dialer's audio helpers used by the Worker (see dialer-audio.js). */
export type Pcm = { sampleRate: number; channels: number; samples: Int16Array };
export declare class AudioError extends Error {
	readonly code: string;
}
export declare function encodeUlaw(pcm: Int16Array): Uint8Array;
export declare function toTelephony(pcm: Pcm): Int16Array;
export declare function looksLikeWav(bytes: Uint8Array): boolean;
/** @throws AudioError */
export declare function parseWav(bytes: Uint8Array): Pcm;

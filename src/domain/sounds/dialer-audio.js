// The dialer's pure-TS audio code (dialer/src/audio), shared with the Worker so
// uploads are validated and converted exactly as the dialer will play them.
// Re-exported through plain JS with types in dialer-audio.d.ts because the
// dialer is type-checked under its own tsconfig (no noUncheckedIndexedAccess).
export { AudioError } from "../../../dialer/src/audio/errors.ts";
export { encodeUlaw } from "../../../dialer/src/audio/g711.ts";
export { toTelephony } from "../../../dialer/src/audio/resample.ts";
export { looksLikeWav, parseWav } from "../../../dialer/src/audio/wav.ts";

/**
 * MP3 validation without decoding: the Worker walks the MPEG audio frame
 * headers to check the file is real MP3 and to learn its duration, sample
 * rate and channels. Decoding (wasm) happens in the dialer, which caches the
 * result per URL.
 *
 * @example const info = scanMp3(bytes); // { durationMs, sampleRate, channels, frames }
 */
export type Mp3Info = { durationMs: number; sampleRate: number; channels: number; frames: number };

const BITRATES: Record<string, number[]> = {
	// [version group][layer] → kbps by index (0 = free, 15 = bad)
	"1-1": [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
	"1-2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
	"1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
	"2-1": [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
	"2-2": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
	"2-3": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const RATES: Record<number, number[]> = {
	3: [44100, 48000, 32000],
	2: [22050, 24000, 16000],
	0: [11025, 12000, 8000],
};

type Frame = { length: number; samples: number; sampleRate: number; channels: number };

function frameAt(b: Uint8Array, i: number): Frame | null {
	if (i + 4 > b.length) return null;
	const b1 = b[i + 1] ?? 0;
	const b2 = b[i + 2] ?? 0;
	const b3 = b[i + 3] ?? 0;
	if (b[i] !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
	const version = (b1 >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
	const layerBits = (b1 >> 1) & 3; // 3 = I, 2 = II, 1 = III
	if (version === 1 || layerBits === 0) return null;
	const layer = 4 - layerBits;
	const bitrateIdx = b2 >> 4;
	const rateIdx = (b2 >> 2) & 3;
	if (bitrateIdx === 0 || bitrateIdx === 15 || rateIdx === 3) return null;
	const kbps = BITRATES[`${version === 3 ? 1 : 2}-${layer}`]?.[bitrateIdx];
	const sampleRate = RATES[version]?.[rateIdx];
	if (!kbps || !sampleRate) return null;
	const padding = (b2 >> 1) & 1;
	const channels = b3 >> 6 === 3 ? 1 : 2;
	let samples: number;
	let length: number;
	if (layer === 1) {
		samples = 384;
		length = (Math.floor((12 * kbps * 1000) / sampleRate) + padding) * 4;
	} else {
		samples = layer === 3 && version !== 3 ? 576 : 1152;
		length = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
	}
	return length > 4 ? { length, samples, sampleRate, channels } : null;
}

/** Returns the MP3's shape, or null when the bytes are not a sequence of MPEG audio frames. */
export function scanMp3(bytes: Uint8Array): Mp3Info | null {
	let i = 0;
	// ID3v2 tag: "ID3", version, flags, 4 syncsafe size bytes.
	if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33 && bytes.length >= 10) {
		const size =
			(((bytes[6] ?? 0) & 0x7f) << 21) |
			(((bytes[7] ?? 0) & 0x7f) << 14) |
			(((bytes[8] ?? 0) & 0x7f) << 7) |
			((bytes[9] ?? 0) & 0x7f);
		i = 10 + size + ((bytes[5] ?? 0) & 0x10 ? 10 : 0);
	}
	// The first frame must follow the tag closely; tolerate a little padding.
	const searchEnd = Math.min(bytes.length, i + 4096);
	while (i < searchEnd && !frameAt(bytes, i)) i++;
	let frames = 0;
	let samples = 0;
	let first: Frame | null = null;
	// Bounded: each iteration advances by a frame length (> 4 bytes).
	while (i < bytes.length) {
		const f = frameAt(bytes, i);
		if (!f) break;
		if (i + f.length > bytes.length + 1) break; // a truncated last frame does not count
		first ??= f;
		frames++;
		samples += f.samples;
		i += f.length;
	}
	// Accept trailing tags (ID3v1 "TAG", APE) but not garbage in the middle.
	const rest = bytes.length - i;
	if (!first || frames < 2 || (rest > 256 && rest > bytes.length / 10)) return null;
	return {
		durationMs: Math.round((samples / first.sampleRate) * 1000),
		sampleRate: first.sampleRate,
		channels: first.channels,
		frames,
	};
}

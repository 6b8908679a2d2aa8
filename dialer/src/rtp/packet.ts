/**
 * RTP (RFC 3550) header writing and reading, and RFC 4733 telephone-event
 * payloads. Pure functions over bytes.
 */

/** Fixed RTP header size without CSRCs or extensions. */
export const RTP_HEADER = 12;

/** Write a 12-byte RTP header into `buf` at `at` (the start by default). */
export function writeHeader(
	buf: Uint8Array,
	pt: number,
	seq: number,
	ts: number,
	ssrc: number,
	marker: boolean,
	at = 0,
): void {
	buf[at] = 0x80; // version 2, no padding, no extension, no CSRC
	buf[at + 1] = (marker ? 0x80 : 0) | (pt & 0x7f);
	buf[at + 2] = (seq >>> 8) & 0xff;
	buf[at + 3] = seq & 0xff;
	buf[at + 4] = (ts >>> 24) & 0xff;
	buf[at + 5] = (ts >>> 16) & 0xff;
	buf[at + 6] = (ts >>> 8) & 0xff;
	buf[at + 7] = ts & 0xff;
	buf[at + 8] = (ssrc >>> 24) & 0xff;
	buf[at + 9] = (ssrc >>> 16) & 0xff;
	buf[at + 10] = (ssrc >>> 8) & 0xff;
	buf[at + 11] = ssrc & 0xff;
}

/** A parsed RTP packet header with its payload. */
export interface RtpPacket {
	pt: number;
	marker: boolean;
	seq: number;
	ts: number;
	ssrc: number;
	payload: Uint8Array;
}

/** Parse an RTP packet; undefined for anything that is not RTP version 2. */
export function parseRtp(buf: Uint8Array): RtpPacket | undefined {
	if (buf.length < RTP_HEADER || buf[0] >> 6 !== 2) return undefined;
	const cc = buf[0] & 0x0f;
	let at = RTP_HEADER + cc * 4;
	if (buf[0] & 0x10) {
		if (buf.length < at + 4) return undefined;
		at += 4 + ((buf[at + 2] << 8) | buf[at + 3]) * 4;
	}
	let end = buf.length;
	if (buf[0] & 0x20) end -= buf[buf.length - 1];
	if (at > end) return undefined;
	return {
		pt: buf[1] & 0x7f,
		marker: (buf[1] & 0x80) !== 0,
		seq: (buf[2] << 8) | buf[3],
		ts: ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0,
		ssrc: ((buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11]) >>> 0,
		payload: buf.subarray(at, end),
	};
}

/** An RFC 4733 §2.3 telephone-event payload. */
export interface DtmfEvent {
	event: number;
	end: boolean;
	volume: number;
	duration: number;
}

/** Parse a telephone-event payload (4 bytes). */
export function parseDtmf(payload: Uint8Array): DtmfEvent | undefined {
	if (payload.length < 4) return undefined;
	return {
		event: payload[0],
		end: (payload[1] & 0x80) !== 0,
		volume: payload[1] & 0x3f,
		duration: (payload[2] << 8) | payload[3],
	};
}

const DIGITS = "0123456789*#ABCD";

/** The digit an event code stands for (RFC 4733 §3.2), or undefined for non-DTMF events. */
export function dtmfDigit(event: number): string | undefined {
	return event < 16 ? DIGITS[event] : undefined;
}

/** Build a telephone-event payload (tests and far-end simulations). */
export function buildDtmf(e: DtmfEvent): Uint8Array {
	return Uint8Array.of(
		e.event,
		(e.end ? 0x80 : 0) | (e.volume & 0x3f),
		(e.duration >> 8) & 0xff,
		e.duration & 0xff,
	);
}
